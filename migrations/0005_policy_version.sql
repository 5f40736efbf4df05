-- What the running gateway's policy and TLS trust are built from changes far less often than
-- the store as a whole (every call appends an audit record), so those tables count their own
-- changes: the gateway rebuilds its snapshot when this number moves, not on every commit.

CREATE TABLE policy_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO policy_version (id, version) VALUES (1, 0);

CREATE TRIGGER consumers_insert_bumps_policy AFTER INSERT ON consumers
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER consumers_update_bumps_policy AFTER UPDATE ON consumers
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER consumers_delete_bumps_policy AFTER DELETE ON consumers
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER systems_insert_bumps_policy AFTER INSERT ON systems
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER systems_update_bumps_policy AFTER UPDATE ON systems
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER systems_delete_bumps_policy AFTER DELETE ON systems
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER certificates_insert_bumps_policy AFTER INSERT ON certificates
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER certificates_update_bumps_policy AFTER UPDATE ON certificates
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER certificates_delete_bumps_policy AFTER DELETE ON certificates
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER operations_insert_bumps_policy AFTER INSERT ON operations
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER operations_update_bumps_policy AFTER UPDATE ON operations
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER operations_delete_bumps_policy AFTER DELETE ON operations
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER legal_bases_insert_bumps_policy AFTER INSERT ON legal_bases
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER legal_bases_update_bumps_policy AFTER UPDATE ON legal_bases
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER legal_bases_delete_bumps_policy AFTER DELETE ON legal_bases
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER grants_insert_bumps_policy AFTER INSERT ON grants
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER grants_update_bumps_policy AFTER UPDATE ON grants
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER grants_delete_bumps_policy AFTER DELETE ON grants
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER grant_legal_bases_insert_bumps_policy AFTER INSERT ON grant_legal_bases
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER grant_legal_bases_update_bumps_policy AFTER UPDATE ON grant_legal_bases
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER grant_legal_bases_delete_bumps_policy AFTER DELETE ON grant_legal_bases
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER grant_fields_insert_bumps_policy AFTER INSERT ON grant_fields
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER grant_fields_update_bumps_policy AFTER UPDATE ON grant_fields
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER grant_fields_delete_bumps_policy AFTER DELETE ON grant_fields
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER cas_insert_bumps_policy AFTER INSERT ON cas
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER cas_update_bumps_policy AFTER UPDATE ON cas
BEGIN UPDATE policy_version SET version = version + 1; END;
CREATE TRIGGER cas_delete_bumps_policy AFTER DELETE ON cas
BEGIN UPDATE policy_version SET version = version + 1; END;
