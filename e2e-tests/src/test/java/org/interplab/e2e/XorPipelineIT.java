package org.interplab.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.Topics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The spine, end to end, against the packaged services, the real Kafka broker and the real PostgreSQL that
 * {@code ./lab test} started: submit XOR (seed 003) → stored → experiments.requested → trained by ND4J →
 * safetensors checkpoint → checkpoints.published → EQKE/EVOU tables → analysis.completed → read back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XorPipelineIT {
    static final Duration TIMEOUT = Duration.ofMinutes(5);
    static String kafka;
    static String jdbc;
    static UUID experimentId;
    static String finalCheckpointId;

    @BeforeAll
    static void configure() {
        Lab.useRestAssured();
        kafka = Lab.KAFKA;
        jdbc = Lab.JDBC;
    }

    @Test
    @Order(1)
    void xorTrainsToFullAccuracyAndItsCircuitsAreServed() throws Exception {
        Response submitted = given().contentType(ContentType.JSON).body("{\"preset\":\"xor\",\"seed\":1}")
                .post("/api/experiments");
        assertEquals(202, submitted.statusCode(), submitted.asString());
        experimentId = UUID.fromString(submitted.jsonPath().getString("id"));

        JsonNode experiment = Lab.await("experiment " + experimentId + " completed and analysed", TIMEOUT, () -> {
            JsonNode e = Lab.getJson("/api/experiments/" + experimentId);
            boolean done = "COMPLETED".equals(e.path("status").asText());
            String finalId = e.path("checkpoints").path("finalCheckpointId").asText("");
            boolean analysed = false;
            for (JsonNode a : e.path("analysis")) {
                analysed |= !finalId.isEmpty() && finalId.equals(a.path("checkpointId").asText());
            }
            assertFalse("FAILED".equals(e.path("status").asText()), "training failed: " + e);
            return done && analysed ? e : null;
        });
        // provenance: the trainer's code version and backend reached the dashboard
        assertFalse(experiment.path("codeVersion").asText("").isBlank(), "code version: " + experiment);
        assertTrue(experiment.path("backend").asText("").startsWith("cpu nd4j-native"), "backend: " + experiment);
        JsonNode metrics = experiment.path("lastMetrics");
        assertEquals(1.0, metrics.path("test_acc").asDouble(), 1e-9, "XOR must be solved exactly: " + metrics);
        assertTrue(metrics.path("test_loss").asDouble() < 0.1, "final loss " + metrics);

        // the curve was stored point by point
        JsonNode curve = Lab.getJson("/api/experiments/" + experimentId + "/metrics");
        assertTrue(curve.size() >= 5, "metric points: " + curve.size());

        // the final checkpoint downloads as a safetensors file with TransformerLens names and shapes
        JsonNode checkpoints = Lab.getJson("/api/experiments/" + experimentId + "/checkpoints");
        JsonNode last = null;
        for (JsonNode c : checkpoints) {
            if (c.path("finalCheckpoint").asBoolean()) {
                last = c;
            }
        }
        assertNotNull(last, "no final checkpoint in " + checkpoints);
        finalCheckpointId = last.path("checkpointId").asText();
        byte[] file = given().get("/api/checkpoints/" + finalCheckpointId + "/safetensors").then().statusCode(200)
                .extract().asByteArray();
        long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = Json.MAPPER.readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
        assertEquals("[5,16]", header.path("embed.W_E").path("shape").toString());
        assertEquals("[2,16,4]", header.path("blocks.0.attn.W_Q").path("shape").toString());
        assertEquals("[2,4,16]", header.path("blocks.0.attn.W_O").path("shape").toString());
        assertEquals("[16,2]", header.path("unembed.W_U").path("shape").toString());
        assertEquals("F32", header.path("unembed.W_U").path("dtype").asText());
        JsonNode spec = Json.MAPPER.readTree(header.path("__metadata__").path("spec").asText());
        assertEquals("xor", spec.path("task").path("kind").asText());

        // its circuit tables, with token labels, as JSON and CSV
        JsonNode index = Lab.getJson("/api/checkpoints/" + finalCheckpointId + "/analysis");
        List<String> names = new ArrayList<>();
        index.path("tables").forEach(t -> names.add(t.path("name").asText()));
        for (String expected : List.of("EQKE.L0H0", "EQKE.L0H1", "EVOU.L0H0", "EVOU.L0H1")) {
            assertTrue(names.contains(expected), expected + " missing from " + names);
        }
        JsonNode eqke = Lab.getJson("/api/checkpoints/" + finalCheckpointId + "/analysis/EQKE.L0H0");
        assertEquals("[\"A\",\"B\",\"C\",\"D\",\"Q\"]", eqke.path("rowLabels").toString());
        assertEquals("[\"A\",\"B\",\"C\",\"D\",\"Q\"]", eqke.path("colLabels").toString());
        assertEquals(5, eqke.path("values").size());
        // a window of it through the public API equals the same cells of the whole table
        JsonNode window = Lab.getJson("/api/checkpoints/" + finalCheckpointId + "/analysis/EQKE.L0H0?rows=1:3&cols=2:5");
        assertEquals("[\"B\",\"C\"]", window.path("rowLabels").toString());
        assertEquals("[\"C\",\"D\",\"Q\"]", window.path("colLabels").toString());
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(eqke.path("values").get(1 + i).get(2 + j).asDouble(),
                        window.path("values").get(i).get(j).asDouble(), 0.0);
            }
        }
        Response badWindow = given().get("/api/checkpoints/" + finalCheckpointId + "/analysis/EQKE.L0H0?rows=4:2");
        assertEquals(400, badWindow.statusCode(), badWindow.asString());
        assertEquals("rows", badWindow.jsonPath().getString("field"));
        JsonNode evou = Lab.getJson("/api/checkpoints/" + finalCheckpointId + "/analysis/EVOU.L0H1");
        assertEquals("[\"T\",\"F\"]", evou.path("colLabels").toString());
        String csv = given().queryParam("format", "csv")
                .get("/api/checkpoints/" + finalCheckpointId + "/analysis/EVOU.L0H1")
                .then().statusCode(200).extract().asString();
        assertEquals(6, csv.strip().split("\n").length, csv);
        assertTrue(csv.split("\n")[0].endsWith(",T,F"), csv);

        // the page lists it
        String page = given().get("/").then().statusCode(200).extract().asString();
        assertTrue(page.contains("<html") || page.contains("<!doctype") || page.contains("<!DOCTYPE"));
    }

    @Test
    @Order(2)
    void everyHopCrossedTheRealBrokerAndTheRealDatabase() throws Exception {
        Map<String, List<String>> seen = readTopics(List.of(Topics.EXPERIMENTS_REQUESTED, Topics.TRAINING_PROGRESS,
                Topics.CHECKPOINTS_PUBLISHED, Topics.ANALYSIS_COMPLETED), experimentId.toString());
        assertEquals(1, seen.get(Topics.EXPERIMENTS_REQUESTED).size(), "one request event");
        assertTrue(seen.get(Topics.TRAINING_PROGRESS).stream().anyMatch(v -> v.contains("\"COMPLETED\"")));
        assertTrue(seen.get(Topics.CHECKPOINTS_PUBLISHED).stream().anyMatch(v -> v.contains(finalCheckpointId)));
        assertTrue(seen.get(Topics.ANALYSIS_COMPLETED).stream().anyMatch(v -> v.contains(finalCheckpointId)));

        try (Connection db = DriverManager.getConnection(jdbc, "interplab", "interplab")) {
            assertEquals("COMPLETED", single(db, "select status from dashboard.experiment where id = ?"));
            assertEquals("COMPLETED", single(db, "select status from trainer.training_job where experiment_id = ?"));
            long tables = Long.parseLong(single(db, """
                    select count(*) from analysis.analysis_table t join analysis.analysis_run r
                    on r.checkpoint_id = t.checkpoint_id where r.experiment_id = ? and t.error is null"""));
            assertTrue(tables >= 4, "stored tables: " + tables);
        }
    }

    @Test
    @Order(3)
    void aReplayedRequestTrainsNothingTwice() throws Exception {
        // a redelivery: the same record, with the dashboard's signature header (an unsigned copy is dead-lettered)
        ConsumerRecord<String, String> request = readRecords(List.of(Topics.EXPERIMENTS_REQUESTED),
                experimentId.toString()).get(Topics.EXPERIMENTS_REQUESTED).get(0);
        long checkpointsBefore;
        try (Connection db = DriverManager.getConnection(jdbc, "interplab", "interplab")) {
            checkpointsBefore = Long.parseLong(single(db, "select count(*) from trainer.checkpoint where experiment_id = ?"));
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(Topics.EXPERIMENTS_REQUESTED, null, experimentId.toString(),
                    request.value(), request.headers())).get();
        }
        Thread.sleep(5000);
        try (Connection db = DriverManager.getConnection(jdbc, "interplab", "interplab")) {
            assertEquals("1", single(db, "select attempts from trainer.training_job where experiment_id = ?"));
            assertEquals("COMPLETED", single(db, "select status from trainer.training_job where experiment_id = ?"));
            assertEquals(checkpointsBefore,
                    Long.parseLong(single(db, "select count(*) from trainer.checkpoint where experiment_id = ?")));
        }
    }

    @Test
    @Order(4)
    void badInputIsRefusedWithTheFieldNamedAndNothingStored() throws Exception {
        long before = countExperiments();
        Response unknown = given().contentType(ContentType.JSON).body("{\"preset\":\"nope\"}").post("/api/experiments");
        assertEquals(400, unknown.statusCode());
        assertEquals("preset", unknown.jsonPath().getString("field"));
        Response malformed = given().contentType(ContentType.JSON).body("{\"preset\": ").post("/api/experiments");
        assertEquals(400, malformed.statusCode());
        assertNotNull(malformed.jsonPath().getString("error"));
        Response invalid = given().contentType(ContentType.JSON)
                .body("{\"preset\":\"xor\",\"overrides\":{\"model\":{\"nHeads\":0}}}").post("/api/experiments");
        assertEquals(400, invalid.statusCode());
        assertEquals("model.nHeads", invalid.jsonPath().getString("field"));
        assertEquals(before, countExperiments());
    }

    private static long countExperiments() throws Exception {
        try (Connection db = DriverManager.getConnection(jdbc, "interplab", "interplab");
             ResultSet rs = db.createStatement().executeQuery("select count(*) from dashboard.experiment")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String single(Connection db, String sql) throws Exception {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            st.setObject(1, experimentId);
            try (ResultSet rs = st.executeQuery()) {
                assertTrue(rs.next(), "no row for " + sql);
                return rs.getString(1);
            }
        }
    }

    private static KafkaConsumer<String, String> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    /** Every value on the topics whose key is the given one, read from the beginning. */
    private static Map<String, List<String>> readTopics(List<String> topics, String key) {
        Map<String, List<String>> values = new java.util.HashMap<>();
        readRecords(topics, key).forEach((t, rs) -> values.put(t, rs.stream().map(ConsumerRecord::value).toList()));
        return values;
    }

    /** Every record (headers included) on the topics whose key is the given one, read from the beginning. */
    private static Map<String, List<ConsumerRecord<String, String>>> readRecords(List<String> topics, String key) {
        Map<String, List<ConsumerRecord<String, String>>> seen = new java.util.HashMap<>();
        topics.forEach(t -> seen.put(t, new ArrayList<>()));
        try (KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(topics);
            long idleSince = System.currentTimeMillis();
            while (System.currentTimeMillis() - idleSince < 5000) {
                var records = consumer.poll(Duration.ofMillis(500));
                if (!records.isEmpty()) {
                    idleSince = System.currentTimeMillis();
                }
                for (ConsumerRecord<String, String> r : records) {
                    if (key.equals(r.key())) {
                        seen.get(r.topic()).add(r);
                    }
                }
            }
        }
        return seen;
    }

}
