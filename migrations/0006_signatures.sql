-- Signatures (XML-DSig). Per consumer: whether its requests must be signed (WS-Security), and
-- the form its signed results take. Per operation: whether its results may be signed at all
-- (RegiX's adapter-side `signResult` switch).

ALTER TABLE consumers ADD COLUMN request_signature TEXT NOT NULL DEFAULT 'optional'
    CHECK (request_signature IN ('required', 'optional', 'off'));
ALTER TABLE consumers ADD COLUMN result_profile TEXT NOT NULL DEFAULT 'xades'
    CHECK (result_profile IN ('xades', 'regix-legacy'));
ALTER TABLE operations ADD COLUMN sign_result INTEGER NOT NULL DEFAULT 1
    CHECK (sign_result IN (0, 1));
