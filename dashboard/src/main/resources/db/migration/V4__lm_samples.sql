-- A language-model run's sample generations (greedy, temperature 0.8, …) at each checkpoint step, from
-- training.progress events that carry "samples".
CREATE TABLE lm_sample (
    experiment_id uuid   NOT NULL,
    step          bigint NOT NULL,
    samples       text   NOT NULL,
    PRIMARY KEY (experiment_id, step)
);
