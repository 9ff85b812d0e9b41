-- C3: the documents of a contract, published by operators or the leasing
-- system; the PDF is a stored file of the customer's (attachments).
CREATE TABLE contract_documents (
    id INTEGER PRIMARY KEY,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    attachment_id TEXT NOT NULL UNIQUE REFERENCES attachments(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX contract_documents_contract ON contract_documents(contract_id, issued_on);
