"""Stage 1 — the data: read the YAML files safely, with the line and column of every value, and validate them."""
