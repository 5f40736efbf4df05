-- The audit trail: one record per call and per administrative change, hash-chained, sealed by
-- signed checkpoints (Merkle tree heads). See src/audit/mod.rs for what this does and does not
-- prove.

-- seq runs 1, 2, 3… without gaps. `record` is the JSON of the record exactly as hashed:
-- hash = SHA-256("regway-audit-v1" || seq (u64 BE) || prev_hash || record). The other columns
-- are copies of record fields for queries; `regway audit verify` checks that they agree.
-- Citizen identifiers never appear in clear: only as HMAC-SHA-256 under an operator key.
CREATE TABLE audit_records (
    seq            INTEGER PRIMARY KEY CHECK (seq >= 1),
    kind           TEXT NOT NULL CHECK (kind IN ('call', 'admin')),
    at             TEXT NOT NULL,
    record         TEXT NOT NULL,
    prev_hash      TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash           TEXT NOT NULL CHECK (length(hash) = 64),
    consumer       TEXT,
    operation      TEXT,
    legal_basis    TEXT,
    outcome        TEXT NOT NULL,
    correlation_id TEXT
);
-- Only time is indexed: every index is written on every call, and an index on a random value
-- (the correlation id) tripled the cost of an append. Other filters scan, within a time range
-- when one is given.
CREATE INDEX audit_records_at ON audit_records (at);

-- Which subjects (keyed hashes of identifiers) a record is about: the index behind
-- `regway audit subject`. It repeats the record's `subjects` array; verify checks that too.
CREATE TABLE audit_subjects (
    seq     INTEGER NOT NULL REFERENCES audit_records (seq),
    subject TEXT NOT NULL,
    PRIMARY KEY (subject, seq)
);

-- A signed tree head over records 1..tree_size.
CREATE TABLE audit_checkpoints (
    id         INTEGER PRIMARY KEY,
    tree_size  INTEGER NOT NULL UNIQUE CHECK (tree_size >= 1),
    root       TEXT NOT NULL CHECK (length(root) = 64),
    last_hash  TEXT NOT NULL CHECK (length(last_hash) = 64),
    at         TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    signature  TEXT NOT NULL
);

-- Append-only. These triggers stop accidents and honest mistakes; they do not stop someone who
-- can drop them — the hash chain and the signed checkpoints are what detect that.
CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER audit_subjects_no_update BEFORE UPDATE ON audit_subjects
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER audit_subjects_no_delete BEFORE DELETE ON audit_subjects
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
