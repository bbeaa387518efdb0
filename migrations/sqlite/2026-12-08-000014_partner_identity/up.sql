-- A partner's KvK number is an identity key: an identity provider's token may name its partner
-- by it (DESIGN §12), so no two active partners may share one. Archived partners keep theirs.
-- A database that already holds two active partners with one number stops here, naming the
-- number; archive or correct one of them, then start again.
CREATE UNIQUE INDEX partners_active_kvk_number ON partners (kvk_number)
  WHERE active AND kvk_number IS NOT NULL;
