"""Stage 2 — the documents: French wording, template contexts, DOCX rendering and checks, DOCX text."""
