"""Stage 6 — the desk: what the legal service reads after every run (the dashboard ``build/index.html``, ``suivi.csv``)."""
