"""Stage 5 — the acts: the convention, avenants and consolidated version, the register of signed acts, diffs."""
