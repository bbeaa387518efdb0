DROP INDEX signals_updated;
DROP INDEX projects_updated;
CREATE INDEX projects_updated ON projects (updated_at);
