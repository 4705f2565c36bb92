"""The commands' own plan steps, one module per kind of change. Each step is
`(command, state, transition, actor, settings) -> State`: pure, it returns the state after the
line or raises `state.Refusal`. The registry (`desk.registry`) names each command's step; the
levels table has already moved the status by the time a step runs."""
