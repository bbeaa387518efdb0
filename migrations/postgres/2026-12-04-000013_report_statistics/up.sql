-- The progress report groups a million signals by (neighbourhood, theme, department, days to
-- answer, answered) and by (day of receipt, answered) in one scan (db::reports::signals).
-- Without these statistics PostgreSQL multiplies the columns' distinct counts and takes the day
-- of receipt's from `received_at` (about one per signal), expects two million groups, and sorts
-- the signals on disk instead of hashing the few thousand groups there are. The expressions
-- are the ones db::reports builds (days_to_answer, answered_flag, day_of_receipt), exactly;
-- a unit test there keeps them equal.
CREATE STATISTICS signals_report_groups (ndistinct) ON
    neighbourhood_id, theme_id, assigned_department_id,
    (CASE WHEN status IN ('answered', 'closed') THEN (CAST(answered_at AS DATE) - CAST(received_at AS DATE)) END),
    (CASE WHEN status IN ('answered', 'closed') THEN 1 ELSE 0 END)
    FROM signals;
CREATE STATISTICS signals_received_day ON (CAST(received_at AS DATE)) FROM signals;
ANALYZE signals;
