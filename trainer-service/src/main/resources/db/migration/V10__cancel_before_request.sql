-- A cancel can reach the trainer before the run's request does (the dashboard's outbox has sent the request, Kafka
-- has not delivered it yet). Such a cancel is kept as a CANCELLED job without a spec (a tombstone); the request,
-- when it arrives, fills in the spec and finds the job already ended, so nothing is trained.
ALTER TABLE training_job ALTER COLUMN spec DROP NOT NULL;
