-- The progress report counts, per effect, the projects whose counting assessment scores it
-- substantial. The scores are also kept in assessments.effects (with their motivations, read
-- together); this table holds one row per effect so the count is a plain aggregate query.

CREATE TABLE assessment_scores (
  assessment_id TEXT NOT NULL REFERENCES assessments (id),
  effect TEXT NOT NULL,
  score INTEGER NOT NULL,
  PRIMARY KEY (assessment_id, effect)
);

INSERT INTO assessment_scores (assessment_id, effect, score)
SELECT a.id, e.value ->> 'effect', CAST(e.value ->> 'score' AS INTEGER)
FROM assessments a, jsonb_array_elements(CAST(a.effects AS JSONB)) AS e (value);
