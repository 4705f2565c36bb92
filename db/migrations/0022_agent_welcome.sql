-- The welcome mail (the agent's cheat-sheet) that each agent of the roster gets once
-- (gateway/desk/welcome.py): one row per agent address once it was welcomed. `mailed` is 0 for
-- the agents the roster already held when the gateway first ran with welcomes and
-- support.welcome_agents = "new" (they know the desk: recorded, not mailed). The row with the
-- address "*" says that first run happened, so an agent added later is new even when the
-- roster was empty then.
CREATE TABLE agent_welcome (
    id {pk},
    agent TEXT NOT NULL,
    mailed INTEGER NOT NULL,
    welcomed_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX agent_welcome_once ON agent_welcome (agent);
