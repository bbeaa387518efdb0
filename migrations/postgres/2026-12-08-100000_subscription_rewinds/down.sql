ALTER TABLE subscriptions DROP COLUMN rewinds;
