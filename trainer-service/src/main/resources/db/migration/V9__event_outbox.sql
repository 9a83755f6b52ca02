-- Events the trainer has decided to publish, written in the same transaction as the state they describe (or right
-- after it) and relayed to Kafka by EventRelay, which retries until the broker acknowledges. A broker outage delays
-- progress and checkpoint events; it never fails a run or loses an event.
CREATE TABLE event_outbox (
    id         BIGSERIAL PRIMARY KEY,
    channel    VARCHAR(64)  NOT NULL,
    msg_key    VARCHAR(64)  NOT NULL,
    payload    TEXT         NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL DEFAULT now()
);
