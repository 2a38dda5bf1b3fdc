"""Feed ingest: fetch, parse, normalise into items, and the pure scheduling rules."""
