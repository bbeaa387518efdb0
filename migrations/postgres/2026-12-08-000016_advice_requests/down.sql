ALTER TABLE departments DROP COLUMN contact_email;
DROP TABLE advice_requests;
