package org.interplab.trainer.outbox;

import io.smallrye.config.ConfigMapping;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.contracts.events.EventSignature;

/**
 * The trainer's side of {@link EventSignature}: it signs the events it publishes and checks the signature of the
 * requests it consumes, with {@code lab.events.key} (env LAB_EVENTS_KEY) or else the service credential.
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

    public Optional<String> key() {
        return EventSignature.key(settings.key(), serviceToken);
    }

    /** The signature header's value for this event, when a key is configured. */
    public Optional<String> sign(String kind, String payload) {
        return key().map(k -> EventSignature.sign(k, kind, payload));
    }

    /** Throws IllegalArgumentException (→ dead-letter topic) for an unsigned or forged record. */
    public void check(String kind, ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader(EventSignature.HEADER);
        EventSignature.check(key(), kind, record.value(), header == null ? null : header.value());
    }
}
