"""The desk: what the legal service sees."""
