-- The audit trail records the actor's scope (district, department or partner) and the
-- application that acted (the token's azp or client_id), so that machine clients and mapped
-- identity-provider roles can be told apart (DESIGN §12).
ALTER TABLE events ADD COLUMN actor_scope TEXT;
ALTER TABLE events ADD COLUMN actor_client_id TEXT;
