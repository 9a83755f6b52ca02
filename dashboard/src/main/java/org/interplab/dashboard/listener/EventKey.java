package org.interplab.dashboard.listener;

import io.smallrye.config.ConfigMapping;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.contracts.events.EventSignature;

/**
 * The dashboard's side of {@link EventSignature}: it signs the experiment requests it relays and checks the
 * signature of the trainer's progress and checkpoint events, with {@code lab.events.key} (env LAB_EVENTS_KEY) or
 * else the service credential.
 */
@ApplicationScoped
public class EventKey {
    /** {@code lab.events.*} (a mapping of its own, so the file may set it under the {@code lab} root). */
    @ConfigMapping(prefix = "lab.events")
    public interface Settings {
        Optional<String> key();
    }

    @Inject
    Settings settings;
    @ConfigProperty(name = "lab.service-token")
    Optional<String> serviceToken;

    /** The signature header's value for this event, when a key is configured. */
    public Optional<String> sign(String kind, String payload) {
        return EventSignature.key(settings.key(), serviceToken).map(k -> EventSignature.sign(k, kind, payload));
    }

    /** Throws IllegalArgumentException (→ the channel's dead-letter topic) for an unsigned or forged record. */
    public void check(String kind, ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader(EventSignature.HEADER);
        EventSignature.check(EventSignature.key(settings.key(), serviceToken), kind, record.value(),
                header == null ? null : header.value());
    }
}
