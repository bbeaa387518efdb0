ALTER TABLE events DROP COLUMN actor_client_id;
ALTER TABLE events DROP COLUMN actor_scope;
