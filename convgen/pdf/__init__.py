"""Stage 3 — the PDF: warm LibreOffice workers over UNO, PDF checks and finishing (PDF/A-2b, signature fields)."""
