-- Idempotency-Key (DESIGN §11): one row per key a caller used on a POST, with a SHA-256 of the
-- request body and, once answered, the response to replay, kept WIJKREGIE_IDEMPOTENCY_HOURS.
-- state: in_flight (reserved; the request runs), committed (its write transaction committed,
-- with this mark in it; the response is on its way), done (the response is stored).
-- attempt names the request holding the reservation, so a stale one can be taken over.
CREATE TABLE idempotency_keys (
  subject TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  attempt TEXT NOT NULL,
  state TEXT NOT NULL,
  response_status INTEGER,
  response_location TEXT,
  response_etag TEXT,
  response_content_type TEXT,
  response_body TEXT,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL,
  PRIMARY KEY (subject, method, path, idempotency_key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires_at);
