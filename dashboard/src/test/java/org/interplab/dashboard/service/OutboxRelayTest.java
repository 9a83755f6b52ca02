package org.interplab.dashboard.service;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.interplab.testkit.KafkaTestClient;
import org.interplab.dashboard.SqlCounts;
import org.junit.jupiter.api.Test;

/**
 * The outbox with a reachable broker: each submitted run's request is relayed to Kafka exactly once and its row
 * marked sent; nothing stays pending, including rows another dashboard instance left behind (OutboxBrokerDownTest
 * leaves some when it runs first).
 */
@QuarkusTest
class OutboxRelayTest {
    @Inject
    SqlCounts sql;

    @Test
    void everySubmissionIsRelayedExactlyOnce() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(given().contentType(ContentType.JSON).body("{\"preset\":\"xor\",\"seed\":" + (500 + i) + "}")
                    .post("/api/experiments").then().statusCode(202).extract().jsonPath().getString("id"));
        }
        String sweep = given().contentType(ContentType.JSON)
                .body("{\"preset\":\"xor\",\"grid\":{\"seed\":[1,2,3]}}").post("/api/experiments")
                .then().statusCode(202).extract().jsonPath().getString("sweepId");
        ids.addAll(given().get("/api/sweeps/" + sweep).jsonPath().getList("experiments.id"));
        assertEquals(8, ids.size());
        for (String id : ids) {
            assertEquals(1, sql.count("select count(*) from dashboard.outbox where experiment_id = ?::uuid", id),
                    "one outbox row per run, written with it");
        }
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
                sql.count("select count(*) from dashboard.outbox where sent_at is null", null) == 0);
        Map<String, Integer> seen = records(Set.copyOf(ids), Duration.ofSeconds(5));
        for (String id : ids) {
            assertEquals(1, seen.getOrDefault(id, 0), "requests of " + id + " on the topic");
        }
    }

    /** How many records each of these keys has on experiments.requested, reading until quiet. */
    static Map<String, Integer> records(Set<String> keys, Duration quiet) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaTestClient.bootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "outbox-test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(KafkaTestClient.topic("experiments.requested")));
            long quietUntil = System.nanoTime() + quiet.toNanos() * 4;
            while (System.nanoTime() < quietUntil) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                    if (keys.contains(r.key())) {
                        counts.merge(r.key(), 1, Integer::sum);
                        quietUntil = System.nanoTime() + quiet.toNanos();
                    }
                }
            }
        }
        return counts;
    }
}
