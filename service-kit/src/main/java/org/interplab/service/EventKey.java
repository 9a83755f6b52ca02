package org.interplab.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.OutgoingKafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.contracts.events.EventSignature;

/**
 * A service's side of {@link EventSignature}: it signs the events the service publishes and checks the signature of
 * the events it consumes, with {@code lab.events.key} (env LAB_EVENTS_KEY) or else the service credential
 * ({@code lab.service-token}); with neither, signing and checking are off. Used by the trainer (signs progress and
 * checkpoints, checks requests), the analysis service (signs analysis.completed, checks checkpoints) and the
 * dashboard (signs requests, checks the other services' events).
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

    /** A Kafka record of this kind with this partition key, carrying the signature header when a key is configured. */
    public OutgoingKafkaRecord<String, String> record(String kind, String partitionKey, String payload) {
        OutgoingKafkaRecord<String, String> record = KafkaRecord.of(partitionKey, payload);
        return sign(kind, payload).map(s -> record.withHeader(EventSignature.HEADER, s)).orElse(record);
    }

    /** Throws IllegalArgumentException (→ the channel's dead-letter topic) for an unsigned or forged record. */
    public void check(String kind, ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader(EventSignature.HEADER);
        EventSignature.check(key(), kind, record.value(), header == null ? null : header.value());
    }
}
