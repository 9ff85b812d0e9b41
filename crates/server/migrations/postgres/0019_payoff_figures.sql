-- S4: the payoff figure a desk reply gives on an early termination (JSON of
-- PayoffFigure); it commits with the reply and its statement PDF.
ALTER TABLE request_messages ADD COLUMN payoff TEXT;
