-- The tracks table (API.md TrackDetail plus internal columns).
-- fp_track_no is the rowid with AUTOINCREMENT: numbers are never reused, so a
-- fingerprint left behind by a crash can never point at a later track.
CREATE TABLE tracks (
    fp_track_no INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'ready')),
    title TEXT,
    artist TEXT,
    album TEXT,
    duration_seconds REAL NOT NULL DEFAULT 0,
    sample_rate INTEGER NOT NULL DEFAULT 0,
    channels INTEGER NOT NULL DEFAULT 0,
    bitrate INTEGER NOT NULL DEFAULT 0,
    format TEXT NOT NULL DEFAULT '',
    file_hash_sha256 TEXT NOT NULL UNIQUE,
    file_size_bytes INTEGER NOT NULL DEFAULT 0,
    file_path TEXT NOT NULL DEFAULT '',
    fingerprint_indexed INTEGER NOT NULL DEFAULT 0,
    embedding_model TEXT,
    embedding_dim INTEGER NOT NULL DEFAULT 0,
    chromaprint TEXT,
    chromaprint_duration REAL NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX tracks_status_created ON tracks (status, created_at);
CREATE INDEX tracks_created ON tracks (created_at);
CREATE INDEX tracks_duration ON tracks (duration_seconds) WHERE chromaprint IS NOT NULL;
