"""Stage 8 — the review: what a pull request does to which contract, from the data at a git revision.

It reads a revision's data with git and validates it as ``recipes/checking.py`` does, then says, in legal French,
what each change makes (an avenant, an annex update, nothing, a new convention).
"""
