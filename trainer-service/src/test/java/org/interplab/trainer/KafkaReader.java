package org.interplab.trainer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads what the trainer really published, from the beginning of a topic. */
final class KafkaReader {
    private KafkaReader() {
    }

    /** The values with this key; reads until the topic has been quiet for 3 s. */
    static List<String> keyed(String bootstrap, String topic, String key) {
        return keyedRecords(bootstrap, topic, key).stream().map(ConsumerRecord::value).toList();
    }

    /** The records (headers included) with this key; reads until the topic has been quiet for 3 s. */
    static List<ConsumerRecord<String, String>> keyedRecords(String bootstrap, String topic, String key) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "qt-reader-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<ConsumerRecord<String, String>> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            consumer.subscribe(List.of(topic));
            long idleSince = System.currentTimeMillis();
            while (System.currentTimeMillis() - idleSince < 3000) {
                var records = consumer.poll(Duration.ofMillis(300));
                if (!records.isEmpty()) {
                    idleSince = System.currentTimeMillis();
                }
                records.forEach(r -> {
                    if (key.equals(r.key())) {
                        values.add(r);
                    }
                });
            }
        }
        return values;
    }
}
