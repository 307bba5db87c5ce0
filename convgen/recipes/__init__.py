"""Stage 7 — the recipes behind the commands: validate everything, plan, then build, in that order.

``checking.py`` validates a project, ``build.py`` builds the conventions and the avenants, ``console.py`` says what a
run did; one module per other command (``amend``, ``sign``, ``verify``, ``archive``, ``renew``, ``watch``…).
"""
