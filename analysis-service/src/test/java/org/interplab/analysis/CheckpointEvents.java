package org.interplab.analysis;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.interplab.contracts.events.Topics;
import org.interplab.testkit.KafkaTestClient;

/**
 * Checkpoint events for the analysis service's tests, through the shared {@link KafkaTestClient}: sent as the trainer
 * sends them (signed with the test profile's event key) or as a forger would, and what the service wrote, read back.
 */
public final class CheckpointEvents {
    /** The test profile's checkpoints.published (the "qt." prefix keeps tests off a running stack's topics). */
    public static final String TOPIC = "qt." + Topics.CHECKPOINTS_PUBLISHED;

    private CheckpointEvents() {
    }

    public static String eventKey() {
        return KafkaTestClient.eventKey();
    }

    /** A checkpoint event signed as the trainer signs it. */
    public static void send(String key, String value) {
        KafkaTestClient.send(TOPIC, key, value);
    }

    /** A record with this signature header (null: none). */
    public static void send(String topic, String key, String value, String signature) {
        KafkaTestClient.send(topic, key, value, signature);
    }

    /** Records of the topic (from its beginning, no consumer group) that match, waiting until {@code count} are seen. */
    public static List<ConsumerRecord<String, String>> await(String topic, Predicate<ConsumerRecord<String, String>> match,
                                                             int count, Duration timeout) {
        return KafkaTestClient.await(topic, match, count, timeout);
    }

    public static String header(ConsumerRecord<String, String> r, String name) {
        return KafkaTestClient.header(r, name);
    }
}
