-- `updatedAfter` lists (a departmental system catching up after downtime) run in
-- (updated_at, id) order from a keyset cursor over both: these indexes serve that order without
-- sorting the table. projects_updated (updated_at alone) is replaced by the wider one.
DROP INDEX projects_updated;
CREATE INDEX projects_updated ON projects (updated_at, id);
CREATE INDEX signals_updated ON signals (updated_at, id);
