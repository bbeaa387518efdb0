-- The partner import finds the partner a row stands for by its KvK number (active or not), or,
-- for a row without one, by exact name among partners without a number. Without these indexes
-- every row's look-up scanned the table. (The unique index among active partners,
-- partners_active_kvk_number, is partial and so does not serve the look-up of archived ones.)
CREATE INDEX partners_kvk_number ON partners (kvk_number);
CREATE INDEX partners_name_without_kvk_number ON partners (name) WHERE kvk_number IS NULL;
