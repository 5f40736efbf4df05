-- Legal bases are coded records; grants name the legal bases that justify them and the fields
-- they release, and are versioned: a change is a new version, history is never overwritten.
-- The operation-level grants of 0001 carried neither, so they are replaced (there was no release
-- with them).

DROP TABLE operation_grants;

CREATE TABLE legal_bases (
    id          INTEGER PRIMARY KEY,
    -- Upper-case ASCII: letters, digits and . _ / - ; cited at the start of CallContext/LawReason.
    code        TEXT NOT NULL UNIQUE CHECK (code <> '' AND code NOT GLOB '*[^A-Z0-9._/-]*'),
    title       TEXT NOT NULL,
    citation    TEXT NOT NULL,
    -- Unix seconds (UTC). valid_to NULL: in force until retired.
    valid_from  INTEGER NOT NULL,
    valid_to    INTEGER CHECK (valid_to IS NULL OR valid_to > valid_from),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- One row per version. grant_id names the grant across its versions (the id of version 1);
-- the highest version is the grant's current state.
CREATE TABLE grants (
    id           INTEGER PRIMARY KEY,
    grant_id     INTEGER NOT NULL,
    version      INTEGER NOT NULL CHECK (version >= 1),
    consumer_id  INTEGER REFERENCES consumers(id),
    system_id    INTEGER REFERENCES systems(id),
    operation_id INTEGER NOT NULL REFERENCES operations(id),
    valid_from   INTEGER NOT NULL,
    valid_to     INTEGER CHECK (valid_to IS NULL OR valid_to > valid_from),
    revoked      INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),
    granted_by   TEXT NOT NULL CHECK (granted_by <> ''),
    reason       TEXT NOT NULL CHECK (reason <> ''),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (grant_id, version),
    CHECK ((consumer_id IS NULL) <> (system_id IS NULL))
);
CREATE INDEX grants_lineage ON grants (grant_id, version);

CREATE TABLE grant_legal_bases (
    grant_version  INTEGER NOT NULL REFERENCES grants(id),
    legal_basis_id INTEGER NOT NULL REFERENCES legal_bases(id),
    PRIMARY KEY (grant_version, legal_basis_id)
);

CREATE TABLE grant_fields (
    grant_version INTEGER NOT NULL REFERENCES grants(id),
    path          TEXT NOT NULL CHECK (path <> ''),
    PRIMARY KEY (grant_version, path)
);

-- History is append-only.
CREATE TRIGGER grants_append_only_update BEFORE UPDATE ON grants
BEGIN SELECT RAISE(ABORT, 'grants are append-only: create a new version'); END;
CREATE TRIGGER grants_append_only_delete BEFORE DELETE ON grants
BEGIN SELECT RAISE(ABORT, 'grants are append-only: create a new version'); END;
CREATE TRIGGER grant_legal_bases_append_only_update BEFORE UPDATE ON grant_legal_bases
BEGIN SELECT RAISE(ABORT, 'grants are append-only: create a new version'); END;
CREATE TRIGGER grant_legal_bases_append_only_delete BEFORE DELETE ON grant_legal_bases
BEGIN SELECT RAISE(ABORT, 'grants are append-only: create a new version'); END;
CREATE TRIGGER grant_fields_append_only_update BEFORE UPDATE ON grant_fields
BEGIN SELECT RAISE(ABORT, 'grants are append-only: create a new version'); END;
CREATE TRIGGER grant_fields_append_only_delete BEFORE DELETE ON grant_fields
BEGIN SELECT RAISE(ABORT, 'grants are append-only: create a new version'); END;
