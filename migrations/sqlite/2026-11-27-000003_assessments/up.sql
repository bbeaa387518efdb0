-- Assessments against the six effects and sustainability. Scores per effect are kept as one
-- JSON text (the six are always read together); derived values are stored for filtering.

CREATE TABLE assessments (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id),
  kind TEXT NOT NULL,
  department_id TEXT REFERENCES departments (id),
  status TEXT NOT NULL,
  effects TEXT NOT NULL,
  sustainability_score INTEGER NOT NULL,
  sustainability_motivation TEXT NOT NULL,
  advice TEXT NOT NULL,
  explanation TEXT NOT NULL,
  substantial_effects INTEGER NOT NULL,
  eligible BOOLEAN NOT NULL,
  author_sub TEXT NOT NULL,
  finalized_at TIMESTAMP,
  version INTEGER NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX assessments_project ON assessments (project_id, created_at, id);

-- The outcome of the latest final programme assessment, kept on the project for its list filter.
ALTER TABLE projects ADD COLUMN eligible BOOLEAN;
ALTER TABLE projects ADD COLUMN assessment_id TEXT;
CREATE INDEX projects_eligible ON projects (eligible, id);
