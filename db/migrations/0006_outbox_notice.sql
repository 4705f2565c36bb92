-- An agent's notice queued during a surge, not yet rendered: the notice itself (JSON), and
-- an empty `raw`. The sender renders it when it claims the row and stores the bytes, so every
-- later attempt sends the same bytes. NULL for every row rendered at once.
ALTER TABLE outbox ADD COLUMN notice {blob};
