DROP INDEX signals_closed_with_reporter;
DROP TABLE personal_data_access;
ALTER TABLE events DROP COLUMN actor_client_id;
ALTER TABLE events DROP COLUMN actor_scope;
