-- Buying services (E1–E10, A3): price lists, the catalogue, payment proofs
-- and prepaid credit, orders, quotes, record layouts.

-- E7: which list applies is decided by, in order: the customer's own list (set
-- by a contract), the approved agreement's list, the customer category's list,
-- the standard list. A service missing from a list costs its standard price.
CREATE TABLE price_lists (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- the default list of a customer category (private, professional, company)
    category TEXT UNIQUE,
    -- the payment methods the list's customers may use, comma separated
    methods TEXT NOT NULL
);
INSERT INTO price_lists (code, name, category, methods) VALUES
    ('STD', 'Listino standard', NULL, 'prepaid_credit,advance_payment,advance_on_consumption,subscription'),
    ('PRIV', 'Listino privati', 'private', 'prepaid_credit,advance_payment'),
    ('CONV', 'Listino convenzioni professionali', NULL, 'prepaid_credit,advance_on_consumption');

ALTER TABLE agreements ADD COLUMN price_list_code TEXT REFERENCES price_lists(code);
UPDATE agreements SET price_list_code = 'CONV';
ALTER TABLE customers ADD COLUMN price_list_code TEXT REFERENCES price_lists(code);
-- Prepaid credit left, in cents of net price; never below zero.
ALTER TABLE customers ADD COLUMN credit_cents BIGINT NOT NULL DEFAULT 0;

CREATE TABLE service_categories (
    code TEXT PRIMARY KEY,
    name_it TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL
);
INSERT INTO service_categories (code, name_it, name_en, position) VALUES
    ('property', 'Relazioni e perizie immobiliari', 'Property reports and appraisals', 1),
    ('cadastral', 'Visure catastali', 'Cadastral searches', 2),
    ('credit', 'Informazioni creditizie', 'Credit reports', 3),
    ('software', 'Software', 'Software', 4);

-- pricing: fixed (bought from the cart) or quote (priced by an operator).
-- form: the service's fields as JSON (the domain's FormField list).
CREATE TABLE services (
    code TEXT PRIMARY KEY,
    category_code TEXT NOT NULL REFERENCES service_categories(code),
    name_it TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description_it TEXT NOT NULL,
    description_en TEXT NOT NULL,
    pricing TEXT NOT NULL,
    vat_rate TEXT NOT NULL,
    subscription BIGINT NOT NULL DEFAULT 0,
    form TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
INSERT INTO services (code, category_code, name_it, name_en, description_it, description_en, pricing, vat_rate, subscription, form, position) VALUES
    ('VIS-IMM', 'cadastral', 'Visura catastale per immobile', 'Cadastral search by property',
     'Visura attuale o storica di un immobile, dai dati catastali. Consegna in formato PDF entro un giorno lavorativo.',
     'Current or historical search of a property from its cadastral data. Delivered as a PDF within one working day.',
     'fixed', '22', 0,
     '[{"key":"immobile","label_it":"Immobile","label_en":"Property","kind":"cadastral","required":true},{"key":"tipo","label_it":"Tipo di visura","label_en":"Kind of search","kind":"choice","required":true,"choices":["attuale","storica"]},{"key":"note","label_it":"Note","label_en":"Notes","kind":"text","required":false}]',
     1),
    ('VIS-SOG', 'cadastral', 'Visura catastale per soggetto', 'Cadastral search by owner',
     'Elenco degli immobili intestati a una persona o a una società in una provincia.',
     'The properties held by a person or a company in one province.',
     'fixed', '22', 0,
     '[{"key":"soggetto","label_it":"Codice fiscale o partita IVA","label_en":"Tax code or VAT number","kind":"tax_code","required":true},{"key":"provincia","label_it":"Provincia","label_en":"Province","kind":"text","required":true}]',
     2),
    ('REP-CRED', 'credit', 'Report creditizio', 'Credit report',
     'Report su protesti, pregiudizievoli e affidabilità creditizia di una persona o di una società.',
     'Protested bills, adverse records and creditworthiness of a person or a company.',
     'fixed', '22', 0,
     '[{"key":"soggetto","label_it":"Codice fiscale o partita IVA","label_en":"Tax code or VAT number","kind":"tax_code","required":true},{"key":"motivo","label_it":"Motivo della richiesta","label_en":"Reason for the request","kind":"choice","required":true,"choices":["affidamento","recupero crediti","verifica fornitore"]},{"key":"delega","label_it":"Delega firmata (PDF)","label_en":"Signed authorization (PDF)","kind":"file","required":false}]',
     3),
    ('REL-IMM', 'property', 'Relazione tecnica immobiliare', 'Property technical report',
     'Sopralluogo e relazione di un tecnico sull''immobile: conformità urbanistica e catastale. Prezzo su preventivo.',
     'A surveyor visits the property and reports on its planning and cadastral compliance. Priced on quotation.',
     'quote', '22', 0,
     '[{"key":"immobile","label_it":"Immobile","label_en":"Property","kind":"cadastral","required":true},{"key":"indirizzo","label_it":"Indirizzo dell''immobile","label_en":"Address of the property","kind":"address","required":true},{"key":"note","label_it":"Note per il tecnico","label_en":"Notes for the surveyor","kind":"text","required":false}]',
     4),
    ('PER-STIMA', 'property', 'Perizia di stima', 'Valuation report',
     'Stima del valore di mercato di un immobile da parte di un perito. Prezzo su preventivo.',
     'A valuer estimates the market value of a property. Priced on quotation.',
     'quote', '22', 0,
     '[{"key":"indirizzo","label_it":"Indirizzo dell''immobile","label_en":"Address of the property","kind":"address","required":true},{"key":"destinazione","label_it":"Destinazione","label_en":"Use","kind":"choice","required":true,"choices":["residenziale","commerciale","industriale"]}]',
     5),
    ('VERIFICA', 'software', 'Verifica – abbonamento annuale', 'Verifica – yearly subscription',
     'Il software Verifica per controllare dati catastali e ipotecari, per un anno e per un utente.',
     'The Verifica software to check cadastral and mortgage data, for one year and one user.',
     'fixed', '22', 1,
     '[{"key":"utente","label_it":"Codice fiscale dell''utilizzatore","label_en":"Tax code of the user","kind":"tax_code","required":true}]',
     6);

CREATE TABLE prices (
    price_list_code TEXT NOT NULL REFERENCES price_lists(code),
    service_code TEXT NOT NULL REFERENCES services(code),
    net_cents BIGINT NOT NULL,
    PRIMARY KEY (price_list_code, service_code)
);
INSERT INTO prices (price_list_code, service_code, net_cents) VALUES
    ('STD', 'VIS-IMM', 1200), ('STD', 'VIS-SOG', 1500), ('STD', 'REP-CRED', 3900), ('STD', 'VERIFICA', 24000),
    ('PRIV', 'VIS-IMM', 1400), ('PRIV', 'REP-CRED', 4500),
    ('CONV', 'VIS-IMM', 950), ('CONV', 'VIS-SOG', 1200), ('CONV', 'REP-CRED', 3100), ('CONV', 'VERIFICA', 19900);

-- E8: a customer proves a payment for a method (a top-up of prepaid credit,
-- an advance, a subscription); an operator confirms or refuses it. A method
-- is usable once one of its proofs is confirmed.
CREATE TABLE payment_proofs (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    method TEXT NOT NULL,
    amount_cents BIGINT NOT NULL,
    attachment_id TEXT NOT NULL REFERENCES attachments(id),
    reference TEXT NOT NULL,
    status TEXT NOT NULL,
    invoice_id BIGINT REFERENCES invoices(id),
    created_at BIGINT NOT NULL,
    decided_at BIGINT
);
CREATE INDEX payment_proofs_customer ON payment_proofs(customer_id, id);

-- Every change of prepaid credit: + a confirmed top-up, - an order.
CREATE TABLE credit_movements (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    cents BIGINT NOT NULL,
    proof_id BIGINT REFERENCES payment_proofs(id),
    order_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX credit_movements_customer ON credit_movements(customer_id, id);

CREATE TABLE orders (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    payment_method TEXT NOT NULL,
    -- the billing data confirmed at checkout (the domain's BillingData as JSON)
    billing TEXT NOT NULL,
    net_cents BIGINT NOT NULL,
    vat_cents BIGINT NOT NULL,
    total_cents BIGINT NOT NULL,
    quote_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX orders_customer ON orders(customer_id, updated_at);

CREATE TABLE order_items (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    order_id BIGINT NOT NULL REFERENCES orders(id),
    seq BIGINT NOT NULL,
    service_code TEXT NOT NULL REFERENCES services(code),
    name_it TEXT NOT NULL,
    name_en TEXT NOT NULL,
    form TEXT NOT NULL,
    net_cents BIGINT NOT NULL,
    vat_rate TEXT NOT NULL,
    status TEXT NOT NULL,
    -- pdf or record; the file is an attachment of the customer
    outcome_kind TEXT,
    attachment_id TEXT REFERENCES attachments(id),
    invoice_id BIGINT REFERENCES invoices(id),
    fulfilled_at BIGINT
);
CREATE INDEX order_items_order ON order_items(order_id, seq);

CREATE TABLE quotes (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    desk_note TEXT NOT NULL DEFAULT '',
    valid_until TEXT,
    order_id BIGINT REFERENCES orders(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX quotes_customer ON quotes(customer_id, updated_at);

CREATE TABLE quote_items (
    id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    quote_id BIGINT NOT NULL REFERENCES quotes(id),
    seq BIGINT NOT NULL,
    service_code TEXT NOT NULL REFERENCES services(code),
    name_it TEXT NOT NULL,
    name_en TEXT NOT NULL,
    form TEXT NOT NULL,
    -- set when an operator prices the quote
    net_cents BIGINT,
    vat_rate TEXT NOT NULL
);
CREATE INDEX quote_items_quote ON quote_items(quote_id, seq);

-- E9: the fixed-width layout a customer takes its results in (the domain's RecordLayout as JSON).
CREATE TABLE record_layouts (
    customer_id BIGINT PRIMARY KEY REFERENCES customers(id),
    definition TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

ALTER TABLE notifications ADD COLUMN order_id BIGINT REFERENCES orders(id);
ALTER TABLE notifications ADD COLUMN quote_id BIGINT REFERENCES quotes(id);
