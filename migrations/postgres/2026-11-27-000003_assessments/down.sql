DROP INDEX projects_eligible;
ALTER TABLE projects DROP COLUMN assessment_id;
ALTER TABLE projects DROP COLUMN eligible;
DROP TABLE assessments;
