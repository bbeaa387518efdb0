-- How often a redelivery moved the subscription's position back (DESIGN §10). The worker takes
-- a head event with the count it read and writes the attempt's outcome only while the count is
-- still that: a redelivery asked while an attempt is in flight is never undone by it.
ALTER TABLE subscriptions ADD COLUMN rewinds BIGINT NOT NULL DEFAULT 0;
