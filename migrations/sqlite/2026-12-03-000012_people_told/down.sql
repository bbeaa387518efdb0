DROP TABLE mail_recipients;
DELETE FROM subscriptions WHERE channel = 'mail';
ALTER TABLE subscriptions DROP COLUMN channel;
DROP INDEX signals_tracking_code;
ALTER TABLE signals DROP COLUMN tracking_code;
ALTER TABLE signals DROP COLUMN reporter_wants_updates;
