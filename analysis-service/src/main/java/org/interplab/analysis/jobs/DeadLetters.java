package org.interplab.analysis.jobs;

import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The dead-letter topic of this service's consumer (checkpoints.published.dlq): read from the beginning without a
 * consumer group (nothing is committed, so reading changes nothing), and a letter replayed to the original topic.
 */
@ApplicationScoped
public class DeadLetters {
    public static final String TOPIC = "checkpoints.published";

    /** Quarkus's kafka.* settings (bootstrap servers and, in compose, the SASL credentials). */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;
    @ConfigProperty(name = "lab.topic-prefix", defaultValue = "")
    Optional<String> prefix;

    /** A dead letter; {@code timestamp} is when it was dead-lettered (epoch ms). */
    public record Letter(int partition, long offset, long timestamp, String key, String value,
                         Map<String, String> headers) {
    }

    String dlqTopic() {
        return prefix.orElse("") + TOPIC + ".dlq";
    }

    /** The newest {@code limit} letters, newest first (the last {@code limit} of each partition, merged by time). */
    public List<Letter> list(int limit) {
        List<Letter> letters = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps())) {
            List<TopicPartition> parts = consumer.partitionsFor(dlqTopic(), Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(parts);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts, Duration.ofSeconds(10));
            Map<TopicPartition, Long> end = consumer.endOffsets(parts, Duration.ofSeconds(10));
            for (TopicPartition p : parts) {
                consumer.seek(p, Math.max(begin.get(p), end.get(p) - limit));
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (System.currentTimeMillis() < deadline
                    && parts.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    letters.add(letter(r));
                }
            }
        }
        letters.sort(Comparator.comparingLong(Letter::timestamp).reversed()
                .thenComparing(Comparator.comparingLong(Letter::offset).reversed()));
        return letters.subList(0, Math.min(limit, letters.size()));
    }

    /** Sends the letter at (partition, offset) to the original topic again; empty when there is no such letter. */
    public Optional<Letter> replay(int partition, long offset) {
        Letter found;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps())) {
            TopicPartition tp = new TopicPartition(dlqTopic(), partition);
            if (consumer.partitionsFor(dlqTopic(), Duration.ofSeconds(10)).stream()
                    .noneMatch(p -> p.partition() == partition)) {
                return Optional.empty();
            }
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            found = null;
            long deadline = System.currentTimeMillis() + 10_000;
            while (found == null && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() == offset) {
                        found = letter(r);
                    }
                }
                if (consumer.position(tp) > offset) {
                    break;
                }
            }
        }
        if (found == null) {
            return Optional.empty();
        }
        Properties p = kafkaProps();
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            // the original headers go along (the producer's lab-signature among them), not the dead-letter ones
            ProducerRecord<String, String> again = new ProducerRecord<>(prefix.orElse("") + TOPIC, found.key(),
                    found.value());
            found.headers().forEach((k, v) -> {
                if (!k.startsWith("dead-letter-") && v != null) {
                    again.headers().add(k, v.getBytes(StandardCharsets.UTF_8));
                }
            });
            producer.send(again).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while replaying", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the broker refused the replay: " + e.getCause(), e);
        }
        return Optional.of(found);
    }

    private Properties kafkaProps() {
        Properties p = new Properties();
        kafka.forEach((k, v) -> {
            if (v != null && !k.contains("serializer") && !k.contains("deserializer")) {
                p.put(k, v);
            }
        });
        return p;
    }

    private Properties consumerProps() {
        Properties p = kafkaProps();
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return p;
    }

    private static Letter letter(ConsumerRecord<String, String> r) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        return new Letter(r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), headers);
    }
}
