-- People without an API are told (DESIGN §15). A signal's reporter may consent to updates by
-- e-mail, and every signal has a tracking code (128 random bits, hex) for its public tracking
-- page; signals from before this migration get one here.
ALTER TABLE signals ADD COLUMN reporter_wants_updates BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE signals ADD COLUMN tracking_code TEXT NOT NULL DEFAULT '';
UPDATE signals SET tracking_code = md5(gen_random_uuid()::text || gen_random_uuid()::text);
ALTER TABLE signals ALTER COLUMN tracking_code DROP DEFAULT;
CREATE UNIQUE INDEX signals_tracking_code ON signals (tracking_code);

-- Mail goes out through the webhook machinery: one queue over the event log, a subscriptions
-- row of channel `mail` owned by the service (never shown by the subscriptions API).
ALTER TABLE subscriptions ADD COLUMN channel TEXT NOT NULL DEFAULT 'webhook';

-- The unsubscribe link of each recipient: a random token for a signal's reporter (kind
-- `reporter`, target the signal) or a partner's contact (kind `partner`, target the partner).
-- `stopped_at` is when the recipient unsubscribed.
CREATE TABLE mail_recipients (
  token TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  target_id TEXT NOT NULL,
  stopped_at TIMESTAMP,
  created_at TIMESTAMP NOT NULL,
  UNIQUE (kind, target_id)
);
