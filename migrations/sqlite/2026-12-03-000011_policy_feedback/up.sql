-- Policy feedback and learning (DESIGN §13): signals bundled into one policy issue for the
-- department that owns the policy, which owes a response by response_due_at; and a project's
-- evaluation with the voices of the people who did the work (quotes, never names).

CREATE TABLE policy_issues (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  theme_id TEXT NOT NULL REFERENCES themes (id),
  department_id TEXT NOT NULL REFERENCES departments (id),
  status TEXT NOT NULL,
  raised_at TIMESTAMP,
  response_due_at TIMESTAMP,
  -- The owner's response: position, explanation and two calendar dates (YYYY-MM-DD).
  response_position TEXT,
  response_explanation TEXT,
  response_decided_on TEXT,
  response_follow_up_on TEXT,
  responded_at TIMESTAMP,
  -- Set once by the overdue sweep, with its one policy_issue.response_overdue event.
  overdue_recorded BOOLEAN NOT NULL,
  version INTEGER NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX policy_issues_department ON policy_issues (department_id, id);
CREATE INDEX policy_issues_status ON policy_issues (status, id);
CREATE INDEX policy_issues_overdue_sweep ON policy_issues (overdue_recorded, response_due_at);

CREATE TABLE policy_issue_signals (
  policy_issue_id TEXT NOT NULL REFERENCES policy_issues (id),
  signal_id TEXT NOT NULL REFERENCES signals (id),
  PRIMARY KEY (policy_issue_id, signal_id)
);
CREATE INDEX policy_issue_signals_signal ON policy_issue_signals (signal_id, policy_issue_id);

-- One evaluation per project, written from running on; continuation is one of
-- continued_by_partner, continued_by_department, follow_up_project (with its id), ended.
CREATE TABLE evaluations (
  project_id TEXT PRIMARY KEY REFERENCES projects (id),
  lessons_learned TEXT NOT NULL,
  what_worked TEXT,
  what_did_not TEXT,
  continuation TEXT,
  follow_up_project_id TEXT REFERENCES projects (id),
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX evaluations_updated ON evaluations (updated_at);

-- Quotes of the people who did the work, given with consent; no names are stored.
CREATE TABLE evaluation_voices (
  project_id TEXT NOT NULL REFERENCES evaluations (project_id),
  position INTEGER NOT NULL,
  quote TEXT NOT NULL,
  speaker_role TEXT NOT NULL,
  neighbourhood_id TEXT REFERENCES neighbourhoods (id),
  PRIMARY KEY (project_id, position)
);
