"""Intake: a mail from the mailbox to its outcome. `rounds` fetches, stores in batches and
acknowledges; `parse_worker` parses and routes ahead in a child process; `pipeline` decides
for one message; `poison`, `flood`, `flood_notice` and `bounce_trust` are its guards.

This file imports nothing: the parse worker's child runs `python -m
gateway.intake.parse_worker`, which imports this package first, and would otherwise load the
whole intake (and warn that the module was imported before it ran)."""
