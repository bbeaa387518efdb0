-- Partners and projects: the programme's daily work. Multi-valued members (neighbourhoods,
-- claimed effects, partners) are rows, so that list filters are indexed lookups.

CREATE TABLE partners (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  -- Lower-cased and accent-folded in Rust: case-insensitive search that behaves the same on
  -- both databases (SQLite's lower() folds ASCII only).
  name_search TEXT NOT NULL,
  kind TEXT NOT NULL,
  kvk_number TEXT,
  contact_name TEXT,
  contact_email TEXT,
  contact_phone TEXT,
  website TEXT,
  active BOOLEAN NOT NULL,
  version BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX partners_kind ON partners (kind, id);

CREATE TABLE partner_neighbourhoods (
  partner_id TEXT NOT NULL REFERENCES partners (id),
  neighbourhood_id TEXT NOT NULL REFERENCES neighbourhoods (id),
  PRIMARY KEY (partner_id, neighbourhood_id)
);
CREATE INDEX partner_neighbourhoods_neighbourhood ON partner_neighbourhoods (neighbourhood_id, partner_id);

CREATE TABLE projects (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  title_search TEXT NOT NULL,
  summary TEXT,
  district_id TEXT NOT NULL REFERENCES districts (id),
  initiator TEXT,
  initiator_partner_id TEXT REFERENCES partners (id),
  project_leader TEXT,
  start_date TEXT,
  end_date TEXT,
  sustainability_plan TEXT,
  status TEXT NOT NULL,
  submitted_at TIMESTAMP,
  response_due_at TIMESTAMP,
  responded_at TIMESTAMP,
  version BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
-- Lists run newest first by id (UUIDv7 ids sort by creation time).
CREATE INDEX projects_status ON projects (status, id);
CREATE INDEX projects_district_status ON projects (district_id, status, id);
CREATE INDEX projects_initiator_partner ON projects (initiator_partner_id);
CREATE INDEX projects_updated ON projects (updated_at);
CREATE INDEX projects_response_due ON projects (status, response_due_at);

CREATE TABLE project_neighbourhoods (
  project_id TEXT NOT NULL REFERENCES projects (id),
  neighbourhood_id TEXT NOT NULL REFERENCES neighbourhoods (id),
  PRIMARY KEY (project_id, neighbourhood_id)
);
CREATE INDEX project_neighbourhoods_neighbourhood ON project_neighbourhoods (neighbourhood_id, project_id);

CREATE TABLE project_effects (
  project_id TEXT NOT NULL REFERENCES projects (id),
  effect TEXT NOT NULL,
  PRIMARY KEY (project_id, effect)
);
CREATE INDEX project_effects_effect ON project_effects (effect, project_id);

CREATE TABLE goals (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id),
  effect TEXT NOT NULL,
  indicator TEXT NOT NULL,
  unit TEXT NOT NULL,
  baseline DOUBLE PRECISION NOT NULL,
  target DOUBLE PRECISION NOT NULL,
  actual DOUBLE PRECISION,
  measured_on TEXT,
  version BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX goals_project ON goals (project_id, created_at, id);

CREATE TABLE funding_lines (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id),
  source_type TEXT NOT NULL,
  source_id TEXT,
  amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
  status TEXT NOT NULL,
  version BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX funding_lines_project ON funding_lines (project_id, created_at, id);

CREATE TABLE project_partners (
  project_id TEXT NOT NULL REFERENCES projects (id),
  partner_id TEXT NOT NULL REFERENCES partners (id),
  role TEXT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  PRIMARY KEY (project_id, partner_id)
);
CREATE INDEX project_partners_partner ON project_partners (partner_id, project_id);

-- A link is seen from both projects; pair_key (the two ids in order) makes A-B and B-A one link.
CREATE TABLE project_links (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id),
  target_project_id TEXT NOT NULL REFERENCES projects (id),
  kind TEXT NOT NULL,
  pair_key TEXT NOT NULL UNIQUE,
  created_at TIMESTAMP NOT NULL
);
CREATE INDEX project_links_project ON project_links (project_id);
CREATE INDEX project_links_target ON project_links (target_project_id);

CREATE TABLE notes (
  id TEXT PRIMARY KEY,
  project_id TEXT NOT NULL REFERENCES projects (id),
  text TEXT NOT NULL,
  author_sub TEXT NOT NULL,
  author_role TEXT NOT NULL,
  author_name TEXT,
  created_at TIMESTAMP NOT NULL
);
CREATE INDEX notes_project ON notes (project_id, created_at, id);
