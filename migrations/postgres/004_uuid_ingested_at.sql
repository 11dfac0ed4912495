-- tracks.id holds UUIDs (audio-ident only ever writes UUIDs): store them as
-- uuid (16 bytes, validated by the database), and name the ingest time as the
-- API does (TrackInfo.ingested_at). An existing database keeps its rows; a
-- non-UUID id, which audio-ident never writes, stops this migration.
ALTER TABLE tracks ALTER COLUMN id TYPE uuid USING id::uuid;
ALTER TABLE tracks RENAME COLUMN created_at TO ingested_at;
ALTER INDEX tracks_status_created RENAME TO tracks_status_ingested;
ALTER INDEX tracks_created RENAME TO tracks_ingested;
