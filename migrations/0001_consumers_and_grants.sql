-- Consumers (administrations) own systems; systems own certificates; grants give a system, or
-- every system of a consumer, the right to call an operation.

CREATE TABLE consumers (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    oid         TEXT,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE systems (
    id          INTEGER PRIMARY KEY,
    consumer_id INTEGER NOT NULL REFERENCES consumers(id),
    name        TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (consumer_id, name)
);

-- Thumbprints are lower-case hex. A certificate is kept in full (DER) so that its subject and
-- validity can always be shown again.
CREATE TABLE certificates (
    id          INTEGER PRIMARY KEY,
    system_id   INTEGER NOT NULL REFERENCES systems(id),
    sha256      TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
    sha1        TEXT NOT NULL UNIQUE CHECK (length(sha1) = 40),
    subject     TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    not_before  TEXT NOT NULL,
    not_after   TEXT NOT NULL,
    der         BLOB NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Operations are registered by the adapters at start-up; an administrator may disable one.
CREATE TABLE operations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    adapter     TEXT NOT NULL,
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Exactly one of system_id / consumer_id is set.
CREATE TABLE operation_grants (
    id           INTEGER PRIMARY KEY,
    consumer_id  INTEGER REFERENCES consumers(id),
    system_id    INTEGER REFERENCES systems(id),
    operation_id INTEGER NOT NULL REFERENCES operations(id),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((consumer_id IS NULL) <> (system_id IS NULL))
);
CREATE UNIQUE INDEX operation_grants_system ON operation_grants (system_id, operation_id) WHERE system_id IS NOT NULL;
CREATE UNIQUE INDEX operation_grants_consumer ON operation_grants (consumer_id, operation_id) WHERE consumer_id IS NOT NULL;
