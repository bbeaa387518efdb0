-- The audit trail records the actor's scope (district, department or partner) and the
-- application that acted (the token's azp or client_id), so that machine clients and mapped
-- identity-provider roles can be told apart (DESIGN §12).
ALTER TABLE events ADD COLUMN actor_scope TEXT;
ALTER TABLE events ADD COLUMN actor_client_id TEXT;

-- Who saw a reporter's personal data (DESIGN §14, AVG accountability): one row per signal whose
-- reporter a response showed, written as the response is made. view: signal (a single signal
-- in an answer) or signal_list (a page of signals).
CREATE TABLE personal_data_access (
  id TEXT PRIMARY KEY,
  occurred_at TIMESTAMP NOT NULL,
  signal_id TEXT NOT NULL,
  reader_sub TEXT NOT NULL,
  reader_role TEXT NOT NULL,
  reader_scope TEXT,
  reader_client_id TEXT,
  view TEXT NOT NULL
);
CREATE INDEX personal_data_access_signal ON personal_data_access (signal_id, id);
CREATE INDEX personal_data_access_reader ON personal_data_access (reader_sub, id);

-- Reporter erasure (DESIGN §14): closed signals whose reporter is still stored.
CREATE INDEX signals_closed_with_reporter ON signals (status, id)
  WHERE reporter_name IS NOT NULL OR reporter_email IS NOT NULL OR reporter_phone IS NOT NULL;
