"""Stage 7 — the recipes behind the commands: validate everything, plan, then build, in that order."""
