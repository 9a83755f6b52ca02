package org.interplab.trainer;

import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.interplab.contracts.events.EventSignature;
import org.interplab.contracts.events.Topics;

/** Sends what the dashboard would send (signed with the test profile's event key), or a forgery. */
final class KafkaWriter {
    private KafkaWriter() {
    }

    /** An experiments.requested record signed as the dashboard signs it. */
    static void sendSignedRequest(String bootstrap, String topic, String key, String value) throws Exception {
        String eventKey = ConfigProvider.getConfig().getValue("lab.events.key", String.class);
        send(bootstrap, topic, key, value, EventSignature.sign(eventKey, Topics.EXPERIMENTS_REQUESTED, value));
    }

    /** A record with this signature header (null: none). */
    static void send(String bootstrap, String topic, String key, String value, String signature) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
            if (signature != null) {
                record.headers().add(EventSignature.HEADER, signature.getBytes(StandardCharsets.US_ASCII));
            }
            producer.send(record).get();
        }
    }
}
