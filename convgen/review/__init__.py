"""Stage 6 — the review: what a pull request does to which contract, from the data at a git revision."""
