"""The desk: what the legal service sees and uses every day (dashboard, live preview)."""
