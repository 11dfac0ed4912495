-- Trigram GIN indexes for the case-insensitive ILIKE search, when pg_trgm can
-- be installed (a trusted extension since PostgreSQL 13; a managed database
-- may still refuse it).  Without it, search still works by a sequential scan.
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'pg_trgm not available (%); search uses ILIKE without an index', SQLERRM;
END
$$;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE INDEX IF NOT EXISTS tracks_title_trgm ON tracks USING gin (title gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS tracks_artist_trgm ON tracks USING gin (artist gin_trgm_ops);
        CREATE INDEX IF NOT EXISTS tracks_album_trgm ON tracks USING gin (album gin_trgm_ops);
    END IF;
END
$$;
