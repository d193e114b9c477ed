"""Background jobs: enqueue and the outbox (services), dispatch after commit (session), running one row
(execution), job names and final-failure handlers (registry), rq (queues), the worker (worker, outages),
`flask jobs` and `flask worker` (cli), the rq dashboard (dashboard)."""
