package org.interplab.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.interplab.contracts.events.EventSignature;

/**
 * Plain Kafka clients for the services' tests, on the test profile's broker and topic prefix: what another service
 * would send (signed with the test profile's event key for the topic's kind) or a forger (any signature header, or
 * none), and what a service really wrote, read from the beginning of a topic without a consumer group.
 */
public final class KafkaTestClient {
    private KafkaTestClient() {
    }

    public static String bootstrap() {
        return ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
    }

    /** The test profile's name of a topic (the "qt." prefix keeps tests off a running stack's topics). */
    public static String topic(String name) {
        return ConfigProvider.getConfig().getOptionalValue("lab.topic-prefix", String.class).orElse("") + name;
    }

    /** The test profile's event key, the one the lab's services sign with. */
    public static String eventKey() {
        return ConfigProvider.getConfig().getValue("lab.events.key", String.class);
    }

    /** Sends as the lab's own services do: signed with the test profile's event key, for the topic's kind. */
    public static void send(String topic, String key, String value) {
        String kind = topic.substring(topic("").length());
        send(topic, key, value, EventSignature.sign(eventKey(), kind, value));
    }

    /** Sends with this signature header (null: none), as a forger would. */
    public static void send(String topic, String key, String value, String signature) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
            if (signature != null) {
                record.headers().add(EventSignature.HEADER, signature.getBytes(StandardCharsets.US_ASCII));
            }
            producer.send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    private static KafkaConsumer<String, String> reader(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "qt-reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    /** The records that match, waiting until {@code count} are seen or the time is up (then fewer). */
    public static List<ConsumerRecord<String, String>> await(String topic, Predicate<ConsumerRecord<String, String>> match,
                                                             int count, Duration timeout) {
        List<ConsumerRecord<String, String>> found = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, String> consumer = reader(topic)) {
            while (found.size() < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (match.test(r) && found.size() < count) {
                        found.add(r);
                    }
                }
            }
        }
        return found;
    }

    /** The first record that matches, or an AssertionError after the timeout. */
    public static ConsumerRecord<String, String> awaitRecord(String topic, Predicate<ConsumerRecord<String, String>> match,
                                                             Duration timeout) {
        List<ConsumerRecord<String, String>> found = await(topic, match, 1, timeout);
        if (found.isEmpty()) {
            throw new AssertionError("no matching record on " + topic + " within " + timeout);
        }
        return found.get(0);
    }

    /** Every record with this key (headers included), read until the topic has been quiet for 3 s. */
    public static List<ConsumerRecord<String, String>> keyedRecords(String topic, String key) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = reader(topic)) {
            long idleSince = System.currentTimeMillis();
            while (System.currentTimeMillis() - idleSince < 3000) {
                var records = consumer.poll(Duration.ofMillis(300));
                if (!records.isEmpty()) {
                    idleSince = System.currentTimeMillis();
                }
                records.forEach(r -> {
                    if (key.equals(r.key())) {
                        out.add(r);
                    }
                });
            }
        }
        return out;
    }

    /** The values of {@link #keyedRecords}. */
    public static List<String> keyed(String topic, String key) {
        return keyedRecords(topic, key).stream().map(ConsumerRecord::value).toList();
    }

    /** A header's value as text ("" when absent). */
    public static String header(ConsumerRecord<String, String> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
