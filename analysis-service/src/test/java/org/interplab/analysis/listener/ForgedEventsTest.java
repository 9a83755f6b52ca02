package org.interplab.analysis.listener;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.interplab.analysis.CheckpointEvents;
import org.interplab.analysis.TestTrainerCheckpoints;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.EventSignature;
import org.interplab.contracts.events.Topics;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.circuits.ReferenceModels;
import org.junit.jupiter.api.Test;

/**
 * Events are checked against their sender, through the real broker and database: a checkpoint event the trainer did
 * not sign becomes no analysis job (nothing fetched, nothing stored) and lands on checkpoints.published.dlq with the
 * reason; what the analysis service announces on analysis.completed carries its signature.
 */
@QuarkusTest
class ForgedEventsTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void checkpointsTheTrainerNeverSignedBecomeNoJobAndAreDeadLettered() throws Exception {
        UUID unsigned = UUID.randomUUID();
        UUID wrongKey = UUID.randomUUID();
        UUID otherKind = UUID.randomUUID();
        UUID copiedSignature = UUID.randomUUID();
        UUID genuine = UUID.randomUUID();
        String key = CheckpointEvents.eventKey();
        // the files exist: a forged event is refused for its signature, not for a checkpoint the trainer lacks
        for (UUID id : List.of(unsigned, wrongKey, otherKind, copiedSignature, genuine)) {
            TestTrainerCheckpoints.FILES.put(id, Safetensors.write(ReferenceModels.xorConstruction().weights(), Map.of()));
        }
        // one partition key for all, so the genuine event is consumed after the four forgeries
        String partition = UUID.randomUUID().toString();
        String topic = CheckpointEvents.TOPIC;
        CheckpointEvents.send(topic, partition, event(unsigned), null);
        CheckpointEvents.send(topic, partition, event(wrongKey),
                EventSignature.sign("not-the-lab-key", Topics.CHECKPOINTS_PUBLISHED, event(wrongKey)));
        // a genuine signature, but over the same bytes as another kind of event: the kind is part of what is signed
        CheckpointEvents.send(topic, partition, event(otherKind),
                EventSignature.sign(key, Topics.TRAINING_PROGRESS, event(otherKind)));
        // a genuine checkpoint signature copied onto another checkpoint's event does not cover it
        CheckpointEvents.send(topic, partition, event(copiedSignature),
                EventSignature.sign(key, Topics.CHECKPOINTS_PUBLISHED, event(genuine)));
        CheckpointEvents.send(topic, partition, event(genuine),
                EventSignature.sign(key, Topics.CHECKPOINTS_PUBLISHED, event(genuine)));

        awaitAnalysed(genuine);
        for (UUID forged : List.of(unsigned, wrongKey, otherKind, copiedSignature)) {
            given().get("/analysis-jobs/" + forged).then().statusCode(404);
            given().get("/analysis/" + forged).then().statusCode(404);
        }
        List<ConsumerRecord<String, String>> dead = CheckpointEvents.await(topic + Topics.DEAD_LETTER_SUFFIX,
                r -> partition.equals(r.key()), 4, WAIT);
        assertEquals(4, dead.size(), "the four forgeries are dead-lettered, the genuine one is not");
        for (UUID forged : List.of(unsigned, wrongKey, otherKind, copiedSignature)) {
            assertTrue(dead.stream().anyMatch(r -> r.value().contains(forged.toString())
                    && CheckpointEvents.header(r, "dead-letter-reason")
                    .contains("forged or unsigned checkpoints.published event refused")), forged.toString());
        }
        ConsumerRecord<String, String> first = dead.stream().filter(r -> r.value().contains(unsigned.toString()))
                .findFirst().orElseThrow();
        assertTrue(CheckpointEvents.header(first, "dead-letter-reason").contains("no lab-signature header"));
        // the admin's list shows them with the reason
        String letters = given().get("/dead-letters").then().statusCode(200).extract().asString();
        assertTrue(letters.contains(wrongKey.toString()) && letters.contains("lab-signature does not match"), letters);
    }

    @Test
    void aReplayedForgeryIsRefusedAgain() throws Exception {
        UUID forged = UUID.randomUUID();
        String partition = UUID.randomUUID().toString();
        CheckpointEvents.send(CheckpointEvents.TOPIC, partition, event(forged), null);
        ConsumerRecord<String, String> letter = CheckpointEvents.await(
                CheckpointEvents.TOPIC + Topics.DEAD_LETTER_SUFFIX, r -> partition.equals(r.key()), 1, WAIT).get(0);
        given().post("/dead-letters/" + letter.partition() + "/" + letter.offset() + "/replay").then().statusCode(200);
        // the replay goes back to the topic, is checked again and dead-lettered again: still no job
        List<ConsumerRecord<String, String>> again = CheckpointEvents.await(
                CheckpointEvents.TOPIC + Topics.DEAD_LETTER_SUFFIX, r -> partition.equals(r.key()), 2, WAIT);
        assertEquals(2, again.size(), "the replayed forgery came back to the dead-letter topic");
        given().get("/analysis-jobs/" + forged).then().statusCode(404);
    }

    @Test
    void whatTheAnalysisServiceAnnouncesCarriesItsSignature() throws Exception {
        UUID id = UUID.randomUUID();
        TestTrainerCheckpoints.FILES.put(id, Safetensors.write(ReferenceModels.xorConstruction().weights(), Map.of()));
        CheckpointEvents.send(id.toString(), event(id));
        awaitAnalysed(id);
        List<ConsumerRecord<String, String>> completed = CheckpointEvents.await("qt." + Topics.ANALYSIS_COMPLETED,
                r -> r.value().contains(id.toString()), 1, WAIT);
        assertFalse(completed.isEmpty(), "no analysis.completed of " + id);
        String signature = CheckpointEvents.header(completed.get(0), EventSignature.HEADER);
        String key = CheckpointEvents.eventKey();
        assertTrue(EventSignature.verify(key, Topics.ANALYSIS_COMPLETED, completed.get(0).value(), signature),
                "signature '" + signature + "' of " + completed.get(0).value());
        assertFalse(EventSignature.verify(key, Topics.CHECKPOINTS_PUBLISHED, completed.get(0).value(), signature));
    }

    private static String event(UUID checkpointId) {
        return Json.write(new CheckpointPublished(checkpointId, null, 0, true, Map.of(),
                ReferenceModels.xorConstruction().spec(), Instant.parse("2026-01-01T00:00:00Z")));
    }

    private static void awaitAnalysed(UUID id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline) {
            if (given().get("/analysis/" + id).statusCode() == 200) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the signed checkpoint " + id + " was never analysed");
    }
}
