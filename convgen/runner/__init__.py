"""Stage 4 — the runner: stale documents, parallel rendering and conversion, the build folder (manifest, lock)."""
