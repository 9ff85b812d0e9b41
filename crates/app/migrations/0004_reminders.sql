-- Due-date reminders already shown: a line is reminded once per due date
-- (a due date the company moves is reminded again).
CREATE TABLE reminded (
    line_id INTEGER NOT NULL,
    due_on TEXT NOT NULL,
    PRIMARY KEY (line_id, due_on)
);
