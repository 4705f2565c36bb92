"""The agents' desk: everything agents do, and everything the desk does for them.

- `registry`: every `#command`, declared once (names, arguments, help, who, flow, effects).
- `parse`: the command block at the top of an agent's reply, into `Command`s.
- `permissions`, `levels`: who may issue a command, and how it moves level and status.
- `commands/`: each command's own step, when the levels table is not enough.
- `plan` (pure): a block checked line by line, and what it would change; `apply`: the plan
  written (one update, an event per line) in the caller's transaction.
- `reply`: an agent's reply, from proof of sender to receipt; `automatic`: the timers'
  #escalate, through the same plan and apply.
- `notices`: the mail the desk causes (team notices, feedback, hand-overs, receipts, #help).
"""
