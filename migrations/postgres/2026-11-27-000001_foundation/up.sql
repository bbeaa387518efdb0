-- Reference data, events and the event counter: the ground every resource stands on.
-- Timestamps are naive UTC written by the service (microsecond precision), ids are text.

CREATE TABLE districts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);

CREATE TABLE neighbourhoods (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  district_id TEXT NOT NULL REFERENCES districts (id),
  focus_area BOOLEAN NOT NULL,
  cbs_code TEXT,
  version BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX neighbourhoods_district_id ON neighbourhoods (district_id, id);

CREATE TABLE departments (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);

CREATE TABLE themes (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  department_id TEXT NOT NULL REFERENCES departments (id),
  response_days INTEGER NOT NULL CHECK (response_days BETWEEN 0 AND 365),
  version BIGINT NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX themes_department_id ON themes (department_id, id);

-- Every change, written in the same transaction as the change. Ids come from event_counter,
-- whose single row is locked until commit, so ids appear in commit order and a reader that
-- follows ?after= never skips an event that commits late.
CREATE TABLE events (
  id BIGINT PRIMARY KEY,
  occurred_at TIMESTAMP NOT NULL,
  actor_sub TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  actor_name TEXT,
  action TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX events_resource ON events (resource_type, resource_id, id);
CREATE INDEX events_action ON events (action, id);

CREATE TABLE event_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_id BIGINT NOT NULL
);
INSERT INTO event_counter (id, last_id) VALUES (1, 0);

-- Reference data of The Hague's neighbourhood programme, seeded once.
INSERT INTO districts (id, name, version, created_at, updated_at) VALUES
  ('centrum', 'Centrum', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('escamp', 'Escamp', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('haagse-hout', 'Haagse Hout', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('laak', 'Laak', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('leidschenveen-ypenburg', 'Leidschenveen-Ypenburg', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('loosduinen', 'Loosduinen', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('scheveningen', 'Scheveningen', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('segbroek', 'Segbroek', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'));

-- The seven focus neighbourhoods (aandachtswijken) and a few others. No CBS codes are seeded:
-- only codes confirmed against CBS's own list belong here, and an administrator can add them.
INSERT INTO neighbourhoods (id, name, district_id, focus_area, cbs_code, version, created_at, updated_at) VALUES
  ('schilderswijk', 'Schilderswijk', 'centrum', TRUE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('transvaal', 'Transvaal', 'centrum', TRUE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('moerwijk', 'Moerwijk', 'escamp', TRUE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('morgenstond', 'Morgenstond', 'escamp', TRUE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('bouwlust-vrederust', 'Bouwlust/Vrederust', 'escamp', TRUE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('laakkwartier', 'Laakkwartier', 'laak', TRUE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('mariahoeve', 'Mariahoeve', 'haagse-hout', TRUE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('spoorwijk', 'Spoorwijk', 'laak', FALSE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('duindorp', 'Duindorp', 'scheveningen', FALSE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('regentessekwartier', 'Regentessekwartier', 'segbroek', FALSE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('waldeck', 'Waldeck', 'loosduinen', FALSE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('ypenburg', 'Ypenburg', 'leidschenveen-ypenburg', FALSE, NULL, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'));

INSERT INTO departments (id, name, version, created_at, updated_at) VALUES
  ('ocw', 'Onderwijs, Cultuur en Welzijn', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('szw', 'Sociale Zaken en Werkgelegenheid', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('dso', 'Stedelijke Ontwikkeling', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('dsb', 'Stadsbeheer', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('dpz', 'Publiekszaken', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('bsd', 'Bestuursdienst', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'));

-- The routing table: a signal on a theme goes to its department, due after response_days.
INSERT INTO themes (id, name, department_id, response_days, version, created_at, updated_at) VALUES
  ('housing', 'Wonen', 'dso', 28, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('public_space', 'Openbare ruimte', 'dsb', 14, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('safety', 'Veiligheid', 'bsd', 14, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('youth_education', 'Jeugd en onderwijs', 'ocw', 28, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('welfare_community', 'Welzijn en buurthuizen', 'ocw', 28, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('health_care', 'Zorg en gezondheid', 'ocw', 28, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('employment', 'Werk', 'szw', 28, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('poverty_debt', 'Armoede en schulden', 'szw', 21, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('public_services_rules', 'Dienstverlening en regels', 'dpz', 21, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('other', 'Overig', 'dpz', 28, 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'));
