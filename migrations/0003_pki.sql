-- PKI: trust anchors (own and imported CAs) labelled by environment, the lifecycle of client
-- certificates (active → retired at a time, or revoked), and the log of administrative changes.

-- A CA whose certificate the gateways of its environment trust. has_key: regway holds its
-- private key (in data_dir/ca/<name>/key.pem) and can issue and revoke with it; an imported
-- external CA has no key here. crl_der: the current CRL regway signed for it (own CAs only).
CREATE TABLE cas (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE CHECK (name <> '' AND name NOT GLOB '*[^a-z0-9._-]*'),
    environment  TEXT NOT NULL CHECK (environment IN ('test', 'production')),
    sha256       TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    subject      TEXT NOT NULL,
    not_before   TEXT NOT NULL,
    not_after    TEXT NOT NULL,
    der          BLOB NOT NULL,
    has_key      INTEGER NOT NULL CHECK (has_key IN (0, 1)),
    crl_der      BLOB,
    crl_number   INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- environment NULL: registered without a CA of the store (through the Store API, e.g. by the
-- quick start); such a certificate is trusted only through the gateway's server.client_ca.
-- state: 'active' (retire_at NULL, or in the future: then it stops at retire_at), 'revoked'.
ALTER TABLE certificates ADD COLUMN ca_id INTEGER REFERENCES cas(id);
ALTER TABLE certificates ADD COLUMN environment TEXT CHECK (environment IS NULL OR environment IN ('test', 'production'));
ALTER TABLE certificates ADD COLUMN serial TEXT;
ALTER TABLE certificates ADD COLUMN state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'revoked'));
ALTER TABLE certificates ADD COLUMN retire_at INTEGER;
ALTER TABLE certificates ADD COLUMN revoked_at INTEGER;
ALTER TABLE certificates ADD COLUMN revocation_reason TEXT;
ALTER TABLE certificates ADD COLUMN successor_of INTEGER REFERENCES certificates(id);
CREATE INDEX certificates_system ON certificates (system_id);

-- The admin change log is part of the audit chain (migration 0004, src/store/admin_log.rs).

-- A serial number names one certificate of its CA.
CREATE UNIQUE INDEX certificates_ca_serial ON certificates (ca_id, serial) WHERE ca_id IS NOT NULL AND serial IS NOT NULL;
