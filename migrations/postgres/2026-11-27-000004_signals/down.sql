DROP TABLE signal_projects;
DROP TABLE signal_departments;
DROP TABLE signals;
