-- Who is ingesting a pending row: owner is "host pid start-time token" of the
-- process (and library instance) doing it, lease_until the Unix time (seconds)
-- until which its lease holds; the owner renews it while it works.  A pending
-- row whose owner is gone or whose lease ran out may be taken over at once.
-- Rows from before this migration have no owner: they are taken over.
ALTER TABLE tracks ADD COLUMN owner TEXT;
ALTER TABLE tracks ADD COLUMN lease_until REAL NOT NULL DEFAULT 0;
