package org.interplab.trainer.outbox;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.interplab.contracts.events.EventSignature;
import org.interplab.contracts.events.Topics;
import org.interplab.trainer.service.TrainingEvents;
import org.interplab.service.EventKey;

/**
 * Publishes the outbox to Kafka on one thread, oldest first, and deletes each row once the broker acknowledged it.
 * When the broker is unreachable it waits (1 s doubling to 30 s) and tries the same event again, so events arrive
 * late, in order, and at least once (consumers are idempotent). A second trainer replica relays the same table;
 * an event may then go out twice, never zero times. Each event carries its {@link EventSignature} header.
 */
@ApplicationScoped
public class EventRelay {
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    @Inject
    EventOutbox outbox;

    @Inject
    EventKey key;

    @Inject
    @Channel(TrainingEvents.PROGRESS)
    MutinyEmitter<String> progress;

    @Inject
    @Channel(TrainingEvents.CHECKPOINTS)
    MutinyEmitter<String> checkpoints;

    private volatile boolean running;
    private Thread thread;

    void onStart(@Observes StartupEvent startup) {
        running = true;
        thread = new Thread(this::loop, "trainer-event-relay");
        thread.setDaemon(true);
        thread.start();
    }

    void onStop(@Observes ShutdownEvent shutdown) {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
    }

    private void loop() {
        long backoff = 1000;
        while (running) {
            try {
                List<EventOutbox.Pending> batch = outbox.oldest(200);
                if (batch.isEmpty()) {
                    Thread.sleep(100);
                    continue;
                }
                for (EventOutbox.Pending e : batch) {
                    emitter(e.channel()).sendMessageAndAwait(key.record(kind(e.channel()), e.key(), e.payload()));
                    outbox.sent(e.id());
                }
                backoff = 1000;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                Log.warnf("event relay: %s; retrying in %d ms (%s)", e.getClass().getSimpleName(), backoff,
                        e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF.toMillis());
            }
        }
    }

    /** The event kind a channel's signature covers (its topic's name). */
    private static String kind(String channel) {
        return switch (channel) {
            case TrainingEvents.PROGRESS -> Topics.TRAINING_PROGRESS;
            case TrainingEvents.CHECKPOINTS -> Topics.CHECKPOINTS_PUBLISHED;
            default -> throw new IllegalStateException("outbox row for unknown channel " + channel);
        };
    }

    private MutinyEmitter<String> emitter(String channel) {
        return switch (channel) {
            case TrainingEvents.PROGRESS -> progress;
            case TrainingEvents.CHECKPOINTS -> checkpoints;
            default -> throw new IllegalStateException("outbox row for unknown channel " + channel);
        };
    }
}
