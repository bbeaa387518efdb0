-- Webhook subscriptions (DESIGN §10) and their deliveries. A subscription is bound to its
-- creator's principal (role, scope and subject), so the worker can rebuild that principal and
-- deliver only what it may read at delivery time. The event log is the outbox: `last_event_id`
-- is how far a subscription has got in it (every event up to it is delivered, given up or not
-- for this subscription); a delivery row exists for the event at the head and for every event
-- delivered or given up.

CREATE TABLE subscriptions (
  id TEXT PRIMARY KEY,
  owner_sub TEXT NOT NULL,
  owner_role TEXT NOT NULL,
  owner_scope TEXT,
  owner_name TEXT,
  callback_url TEXT NOT NULL,
  -- JSON array of event types, a trailing * matching a prefix.
  types TEXT NOT NULL,
  filter_district_id TEXT,
  filter_neighbourhood_id TEXT,
  filter_department_id TEXT,
  filter_theme_id TEXT,
  description TEXT,
  status TEXT NOT NULL,
  -- The signing secret is needed in the clear to sign; it is shown to the owner only once.
  secret TEXT NOT NULL,
  previous_secret TEXT,
  previous_secret_until TIMESTAMP,
  last_event_id BIGINT NOT NULL,
  -- When the head delivery waits for its next attempt; NULL when it does not wait.
  retry_at TIMESTAMP,
  failing_since TIMESTAMP,
  -- The instance working on the subscription, and until when its claim holds.
  lease_owner TEXT,
  lease_until TIMESTAMP,
  version BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX subscriptions_owner ON subscriptions (owner_role, owner_sub, id);
CREATE INDEX subscriptions_work ON subscriptions (status, lease_until);

CREATE TABLE deliveries (
  subscription_id TEXT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
  event_id BIGINT NOT NULL,
  event_type TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  first_attempt_at TIMESTAMP,
  next_attempt_at TIMESTAMP,
  delivered_at TIMESTAMP,
  PRIMARY KEY (subscription_id, event_id)
);
CREATE INDEX deliveries_status ON deliveries (subscription_id, status, event_id);
