"""Service levels: business-hours calendars, targets, the timers that remind and report breaches
inside `ldp run`, and the monthly report with its charts. Every figure is derived from the event
rows, so a ticket's history is the single source of truth."""
