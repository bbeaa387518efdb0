-- Advice requests (DESIGN §16): the programme bureau asks a department for its advice on a
-- submitted idea by a date; the department's final advisory assessment of the project gives it,
-- or the bureau withdraws it. due_at is the end of due_on (the next midnight, UTC): what the
-- worklist orders by and the report measures "on time" against.
CREATE TABLE advice_requests (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id),
  department_id TEXT NOT NULL REFERENCES departments (id),
  question TEXT NOT NULL,
  due_on TEXT NOT NULL,
  due_at TIMESTAMP NOT NULL,
  -- open, given or withdrawn
  status TEXT NOT NULL,
  requested_at TIMESTAMP NOT NULL,
  settled_at TIMESTAMP,
  -- The advisory assessment that gave the advice.
  assessment_id TEXT,
  withdrawal_reason TEXT,
  version INTEGER NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX advice_requests_project ON advice_requests (project_id, id);
CREATE INDEX advice_requests_department ON advice_requests (department_id, status, due_at, id);
CREATE INDEX advice_requests_open ON advice_requests (status, due_at, id);

-- A department's contact address: the e-mails about the advice asked of it.
ALTER TABLE departments ADD COLUMN contact_email TEXT;
