-- Reference data, events and the event counter: the ground every resource stands on.
-- Timestamps are naive UTC written by the service (microsecond precision), ids are text.

CREATE TABLE districts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);

CREATE TABLE neighbourhoods (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  district_id TEXT NOT NULL REFERENCES districts (id),
  focus_area BOOLEAN NOT NULL,
  cbs_code TEXT,
  version INTEGER NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX neighbourhoods_district_id ON neighbourhoods (district_id, id);

CREATE TABLE departments (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);

CREATE TABLE themes (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  department_id TEXT NOT NULL REFERENCES departments (id),
  response_days INTEGER NOT NULL CHECK (response_days BETWEEN 0 AND 365),
  version INTEGER NOT NULL,
  created_at TIMESTAMP NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
CREATE INDEX themes_department_id ON themes (department_id, id);

-- Every change, written in the same transaction as the change. Ids come from event_counter,
-- whose single row is locked until commit, so ids appear in commit order and a reader that
-- follows ?after= never skips an event that commits late.
CREATE TABLE events (
  id INTEGER PRIMARY KEY,
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
  last_id INTEGER NOT NULL
);
INSERT INTO event_counter (id, last_id) VALUES (1, 0);

-- Reference data of The Hague's neighbourhood programme, seeded once.
INSERT INTO districts (id, name, version, created_at, updated_at) VALUES
  ('centrum', 'Centrum', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('escamp', 'Escamp', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('haagse-hout', 'Haagse Hout', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('laak', 'Laak', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('leidschenveen-ypenburg', 'Leidschenveen-Ypenburg', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('loosduinen', 'Loosduinen', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('scheveningen', 'Scheveningen', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('segbroek', 'Segbroek', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'));

-- The seven focus neighbourhoods (aandachtswijken) and a few others. No CBS codes are seeded:
-- only codes confirmed against CBS's own list belong here, and an administrator can add them.
INSERT INTO neighbourhoods (id, name, district_id, focus_area, cbs_code, version, created_at, updated_at) VALUES
  ('schilderswijk', 'Schilderswijk', 'centrum', TRUE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('transvaal', 'Transvaal', 'centrum', TRUE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('moerwijk', 'Moerwijk', 'escamp', TRUE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('morgenstond', 'Morgenstond', 'escamp', TRUE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('bouwlust-vrederust', 'Bouwlust/Vrederust', 'escamp', TRUE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('laakkwartier', 'Laakkwartier', 'laak', TRUE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('mariahoeve', 'Mariahoeve', 'haagse-hout', TRUE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('spoorwijk', 'Spoorwijk', 'laak', FALSE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('duindorp', 'Duindorp', 'scheveningen', FALSE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('regentessekwartier', 'Regentessekwartier', 'segbroek', FALSE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('waldeck', 'Waldeck', 'loosduinen', FALSE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('ypenburg', 'Ypenburg', 'leidschenveen-ypenburg', FALSE, NULL, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'));

INSERT INTO departments (id, name, version, created_at, updated_at) VALUES
  ('ocw', 'Onderwijs, Cultuur en Welzijn', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('szw', 'Sociale Zaken en Werkgelegenheid', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('dso', 'Stedelijke Ontwikkeling', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('dsb', 'Stadsbeheer', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('dpz', 'Publiekszaken', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('bsd', 'Bestuursdienst', 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'));

-- The routing table: a signal on a theme goes to its department, due after response_days.
INSERT INTO themes (id, name, department_id, response_days, version, created_at, updated_at) VALUES
  ('housing', 'Wonen', 'dso', 28, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('public_space', 'Openbare ruimte', 'dsb', 14, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('safety', 'Veiligheid', 'bsd', 14, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('youth_education', 'Jeugd en onderwijs', 'ocw', 28, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('welfare_community', 'Welzijn en buurthuizen', 'ocw', 28, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('health_care', 'Zorg en gezondheid', 'ocw', 28, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('employment', 'Werk', 'szw', 28, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('poverty_debt', 'Armoede en schulden', 'szw', 21, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('public_services_rules', 'Dienstverlening en regels', 'dpz', 21, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now')),
  ('other', 'Overig', 'dpz', 28, 1, strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'));
