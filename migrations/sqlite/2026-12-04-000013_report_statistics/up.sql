-- The PostgreSQL migration of this version declares statistics for the progress report's
-- grouping. SQLite's planner has no such statistics, and its report query (a UNION ALL of two
-- scans) needs none; this migration keeps the two histories at the same versions.
SELECT 1;
