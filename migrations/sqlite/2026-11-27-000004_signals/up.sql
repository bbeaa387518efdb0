-- Signals from the neighbourhood, routed by theme to the department that owns the policy.
-- reporter_* is personal data: shown only to the programme bureau and the assigned department,
-- and never copied into events.

CREATE TABLE signals (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  title_search TEXT NOT NULL,
  description TEXT NOT NULL,
  neighbourhood_id TEXT NOT NULL REFERENCES neighbourhoods (id),
  district_id TEXT NOT NULL REFERENCES districts (id),
  source TEXT NOT NULL,
  theme_id TEXT NOT NULL REFERENCES themes (id),
  policy_feedback BOOLEAN NOT NULL,
  reporter_name TEXT,
  reporter_email TEXT,
  reporter_phone TEXT,
  reported_by_partner_id TEXT,
  assigned_department_id TEXT NOT NULL REFERENCES departments (id),
  status TEXT NOT NULL,
  received_at TIMESTAMP NOT NULL,
  due_at TIMESTAMP NOT NULL,
  answered_at TIMESTAMP,
  response TEXT,
  reassignment_count INTEGER NOT NULL,
  -- Set once by the overdue sweep, with its one signal.overdue event.
  overdue_recorded BOOLEAN NOT NULL,
  version INTEGER NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX signals_status ON signals (status, id);
CREATE INDEX signals_assigned ON signals (assigned_department_id, id);
CREATE INDEX signals_neighbourhood ON signals (neighbourhood_id, id);
CREATE INDEX signals_district ON signals (district_id, id);
CREATE INDEX signals_theme ON signals (theme_id, id);
CREATE INDEX signals_due ON signals (due_at, status);
CREATE INDEX signals_received ON signals (received_at);
CREATE INDEX signals_reporter_partner ON signals (reported_by_partner_id);
CREATE INDEX signals_overdue_sweep ON signals (overdue_recorded, due_at);

-- Every department a signal was ever assigned to (they keep read access).
CREATE TABLE signal_departments (
  signal_id TEXT NOT NULL REFERENCES signals (id),
  department_id TEXT NOT NULL REFERENCES departments (id),
  PRIMARY KEY (signal_id, department_id)
);
CREATE INDEX signal_departments_department ON signal_departments (department_id, signal_id);

CREATE TABLE signal_projects (
  signal_id TEXT NOT NULL REFERENCES signals (id),
  project_id TEXT NOT NULL REFERENCES projects (id),
  PRIMARY KEY (signal_id, project_id)
);
CREATE INDEX signal_projects_project ON signal_projects (project_id, signal_id);
