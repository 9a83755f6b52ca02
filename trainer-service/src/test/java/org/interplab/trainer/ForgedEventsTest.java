package org.interplab.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.EventSignature;
import org.interplab.contracts.events.ExperimentRequested;
import org.interplab.contracts.events.Topics;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.testkit.KafkaTestClient;
import org.interplab.trainer.service.JobStore;
import org.junit.jupiter.api.Test;

/**
 * Events are checked against their sender: a well-formed request for an experiment the dashboard never signed is
 * not trained (it lands on experiments.requested.dlq with the reason), and what the trainer publishes is signed.
 * Everything goes through the real broker.
 */
@QuarkusTest
class ForgedEventsTest {
    @ConfigProperty(name = "lab.events.key")
    String eventKey;
    @Inject
    JobStore jobs;

    @Test
    void requestsTheDashboardNeverSignedAreNotTrainedAndAreDeadLettered() throws Exception {
        ExperimentSpec spec = Presets.expand("xor", 3L, Json.MAPPER.readTree("{\"training\":{\"steps\":50}}"));
        UUID unsigned = UUID.randomUUID();
        UUID wrongKey = UUID.randomUUID();
        UUID copiedSignature = UUID.randomUUID();
        UUID genuine = UUID.randomUUID();
        // one partition key for all four, so the genuine request is consumed after the three forgeries
        String partition = UUID.randomUUID().toString();
        String topic = "qt." + Topics.EXPERIMENTS_REQUESTED;

        KafkaTestClient.send(topic, partition, request(unsigned, spec), null);
        KafkaTestClient.send(topic, partition, request(wrongKey, spec),
                EventSignature.sign("not-the-lab-key", Topics.EXPERIMENTS_REQUESTED, request(wrongKey, spec)));
        // a genuine signature copied onto another request (another experiment id) does not cover it
        KafkaTestClient.send(topic, partition, request(copiedSignature, spec),
                EventSignature.sign(eventKey, Topics.EXPERIMENTS_REQUESTED, request(genuine, spec)));
        KafkaTestClient.send(topic, partition, request(genuine, spec));

        awaitJob(genuine);
        for (UUID forged : List.of(unsigned, wrongKey, copiedSignature)) {
            assertTrue(QuarkusTransaction.requiringNew().call(() -> jobs.find(forged)).isEmpty(),
                    "forged request " + forged + " became a job");
        }
        List<ConsumerRecord<String, String>> dead = KafkaTestClient.keyedRecords(topic + ".dlq", partition);
        assertEquals(3, dead.size(), "the three forgeries are dead-lettered, the genuine one is not");
        for (UUID forged : List.of(unsigned, wrongKey, copiedSignature)) {
            assertTrue(dead.stream().anyMatch(r -> r.value().contains(forged.toString())
                    && header(r, "dead-letter-reason").contains("experiments.requested event refused")), forged + "");
        }
        assertTrue(header(dead.get(0), "dead-letter-reason").contains("no lab-signature header"));
    }

    @Test
    void whatTheTrainerPublishesCarriesItsSignature() throws Exception {
        UUID id = UUID.randomUUID();
        ExperimentSpec spec = Presets.expand("xor", 4L, Json.MAPPER.readTree("{\"training\":{\"steps\":50}}"));
        KafkaTestClient.send("qt." + Topics.EXPERIMENTS_REQUESTED, id.toString(), request(id, spec));
        awaitJob(id);
        long deadline = System.currentTimeMillis() + 60_000;
        List<ConsumerRecord<String, String>> progress = List.of();
        while (progress.isEmpty() && System.currentTimeMillis() < deadline) {
            progress = KafkaTestClient.keyedRecords("qt." + Topics.TRAINING_PROGRESS, id.toString());
        }
        assertFalse(progress.isEmpty(), "no progress event of " + id);
        for (ConsumerRecord<String, String> r : progress) {
            String signature = header(r, EventSignature.HEADER);
            assertTrue(EventSignature.verify(eventKey, Topics.TRAINING_PROGRESS, r.value(), signature), r.value());
            assertFalse(EventSignature.verify(eventKey, Topics.CHECKPOINTS_PUBLISHED, r.value(), signature));
        }
    }

    private static String request(UUID id, ExperimentSpec spec) {
        return Json.write(new ExperimentRequested(id, spec, Instant.parse("2026-01-01T00:00:00Z")));
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }

    private void awaitJob(UUID id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            if (QuarkusTransaction.requiringNew().call(() -> jobs.find(id)).isPresent()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the signed request " + id + " never became a job");
    }
}
