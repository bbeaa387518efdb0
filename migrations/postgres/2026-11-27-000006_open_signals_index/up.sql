-- The open signals, newest first, with their due date in the index: `overdue=true` (open and
-- past due) reads them in id order and checks the due date in the index, instead of reading
-- back from the newest signal through a month of recent ones that are not overdue yet.
-- The condition matches the literal one in db::signals (OPEN_PREDICATE) exactly.
CREATE INDEX signals_open ON signals (id, due_at) WHERE status NOT IN ('answered', 'closed');
