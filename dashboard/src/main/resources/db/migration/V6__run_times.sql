-- When a run started training (its first RUNNING progress event) and when it reached its terminal status: the
-- duration of finished runs and the step-time estimate behind the queue's ETAs (issue 10, item 5).
ALTER TABLE experiment ADD COLUMN started_at timestamp with time zone;
ALTER TABLE experiment ADD COLUMN finished_at timestamp with time zone;
