package org.interplab.analysis.neuroscope;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.analysis.CheckpointEvents;
import org.interplab.analysis.TestTrainerCheckpoints;
import org.interplab.analysis.TestTrainerCorpora;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.model.Transformer;
import org.interplab.core.neuroscope.LayerScan;
import org.interplab.core.neuroscope.NeuronScanner;
import org.interplab.core.neuroscope.NeuronStats;
import org.interplab.core.neuroscope.Stories;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;

/**
 * Scans through the real job tables (PostgreSQL) and the real checkpoint event (Kafka), against the in-memory scan
 * of the same model and corpus: the stored neurons must be exactly what interp-core computes in one pass. The test
 * profile runs two scan workers (two claimers) and a 30 s stale limit; a crashed worker is played by claiming a
 * shard and never sending a heartbeat.
 */
@QuarkusTest
class NeuroscopeScanTest {
    @Inject
    ScanStore store;
    @Inject
    NeuroscopeService neuroscope;

    static ExperimentSpec lmSpec() {
        ExperimentSpec base = Presets.expand("xor", 1L, null);
        ModelSpec m = new ModelSpec("transformer", 1, 2, 4, 8, 24, Stories.EOT + 1, Stories.EOT + 1, 12, false, "LN",
                true, "gelu_new", null, null, null, null, null);
        return new ExperimentSpec("tiny-lm", base.task(), m, base.training(), 1L, List.of());
    }

    /** A random tiny LM on the GPT-2 vocabulary, stored as the trainer would serve it. */
    static UUID tinyLm(long seed) {
        ExperimentSpec spec = lmSpec();
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> params =
                Transformer.init(Transformer.Config.of(spec.model()), seed);
        UUID id = UUID.randomUUID();
        TestTrainerCheckpoints.FILES.put(id, Safetensors.write(params,
                CheckpointMetadata.of(spec, 10, Map.of(), "test").toMap()));
        return id;
    }

    /** Stories of random token ids (a few hundred tokens), as a uint16 LE validation split. */
    static byte[] corpus(String id, long seed, int stories) {
        Rng rng = new Rng(seed);
        List<Integer> stream = new ArrayList<>();
        for (int s = 0; s < stories; s++) {
            int len = 2 + rng.nextInt(30);
            for (int t = 0; t < len; t++) {
                stream.add(rng.nextInt(3000));
            }
            stream.add(Stories.EOT);
        }
        byte[] bytes = new byte[stream.size() * 2];
        for (int i = 0; i < stream.size(); i++) {
            bytes[2 * i] = (byte) (stream.get(i) & 0xff);
            bytes[2 * i + 1] = (byte) (stream.get(i) >>> 8);
        }
        TestTrainerCorpora.VALIDATION.put(id, bytes);
        return bytes;
    }

    /** The expected result: one in-memory pass over every batch group, with the scan's own parameters. */
    static List<NeuronStats> inMemory(UUID checkpointId, byte[] corpus, ScanParams p) {
        var file = Safetensors.read(TestTrainerCheckpoints.FILES.get(checkpointId));
        Transformer model = new Transformer(Transformer.Config.of(lmSpec().model()), file.tensors());
        Stories stories = Stories.fromUint16(corpus);
        int groups = NeuronScanner.groups(stories.storiesWithin(p.maxTokens()), p.storiesPerBatch());
        List<NeuronStats> all = new ArrayList<>();
        for (LayerScan l : NeuronScanner.scan(model, stories, p.storiesPerBatch(), 0, groups, p.settings(), null)) {
            all.addAll(l.result());
        }
        return all;
    }

    static byte[] bytes(List<NeuronStats> stats) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        for (NeuronStats s : stats) {
            s.write(out);
        }
        return b.toByteArray();
    }

    JsonPath awaitCompleted(UUID checkpointId) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            JsonPath scans = given().get("/neuroscope/" + checkpointId + "/scans").then().statusCode(200)
                    .extract().jsonPath();
            if (scans.getList("$").size() > 0) {
                String status = scans.getString("[0].status");
                if ("COMPLETED".equals(status)) {
                    return scans;
                }
                assertTrue(!"FAILED".equals(status), "scan failed: " + scans.getString("[0].error"));
            }
            Thread.sleep(300);
        }
        throw new AssertionError("scan of " + checkpointId + " did not complete");
    }

    void assertStoredEqualsInMemory(UUID checkpointId, byte[] corpus) throws IOException {
        ScanStore.Scan scan = neuroscope.completedScan(checkpointId, null).orElseThrow();
        List<NeuronStats> expected = inMemory(checkpointId, corpus, scan.params());
        List<NeuronStats> stored = new ArrayList<>();
        for (int n = 0; n < scan.dMlp(); n++) {
            stored.add(StatsCodec.decode(store.neuron(scan.id(), 0, n).orElseThrow().stats()).get(0));
        }
        assertEquals(expected.size(), stored.size());
        assertArrayEquals(bytes(expected), bytes(stored), "stored neurons = the in-memory scan, byte for byte");
        assertTrue(scan.shardsTotal() > 1, "the scan was split into shards: " + scan.shardsTotal());
    }

    @Test
    void theFinalCheckpointOfAnLmIsScannedOnceAndStoresExactlyTheInMemoryResult() throws Exception {
        UUID checkpointId = tinyLm(3);
        byte[] corpus = corpus("builtin-stories", 5, 24);
        CheckpointPublished event = new CheckpointPublished(checkpointId, UUID.randomUUID(), 10, true, Map.of(),
                lmSpec(), Instant.now());
        CheckpointEvents.send(checkpointId.toString(), Json.write(event));
        awaitCompleted(checkpointId);
        CheckpointEvents.send(checkpointId.toString(), Json.write(event)); // a replay
        Thread.sleep(1500);
        JsonPath scans = given().get("/neuroscope/" + checkpointId + "/scans").then().extract().jsonPath();
        assertEquals(1, scans.getList("$").size(), "a replayed event does not queue a second scan");
        assertEquals("COMPLETED", scans.getString("[0].status"));
        assertEquals(scans.getInt("[0].shardsTotal"), scans.getInt("[0].shardsDone"));
        assertEquals(scans.getLong("[0].tokensTotal"), scans.getLong("[0].tokensDone"));
        assertStoredEqualsInMemory(checkpointId, corpus);

        // the REST views read what was stored
        ScanStore.Scan scan = neuroscope.completedScan(checkpointId, null).orElseThrow();
        JsonPath page = given().get("/neuroscope/" + checkpointId + "/neurons/0/3").then().statusCode(200)
                .extract().jsonPath();
        NeuronStats n3 = StatsCodec.decode(store.neuron(scan.id(), 0, 3).orElseThrow().stats()).get(0);
        assertEquals(n3.max(), page.getDouble("maxActivation"), 1e-6);
        assertEquals(20, page.getList("top").size());
        assertEquals(20, page.getList("logitEffect.top").size());
        JsonPath index = given().queryParam("sort", "density").get("/neuroscope/" + checkpointId + "/neurons")
                .then().statusCode(200).extract().jsonPath();
        assertEquals(12, index.getList("neurons").size());
        List<Float> densities = index.getList("neurons.density", Float.class);
        for (int i = 1; i < densities.size(); i++) {
            assertTrue(densities.get(i - 1) >= densities.get(i), "sorted by density");
        }
        int topToken = page.getInt("top[0].tokens[" + page.getInt("top[0].center") + "]");
        JsonPath search = given().queryParam("token", topToken).get("/neuroscope/" + checkpointId + "/search")
                .then().statusCode(200).extract().jsonPath();
        assertTrue(search.getList("neurons.neuron", Integer.class).contains(3), "neuron 3 fires most on its top token");
        JsonPath live = given().contentType(ContentType.JSON).body("{\"text\":\"Once upon a time there was an owl.\"}")
                .post("/neuroscope/" + checkpointId + "/live").then().statusCode(200).extract().jsonPath();
        assertEquals(live.getList("tokens").size(), live.getList("layers[0].perToken").size());
        JsonPath cos = given().get("/neuroscope/" + checkpointId + "/cosine/0").then().statusCode(200).extract()
                .jsonPath();
        assertEquals(12, cos.getList("order").size());
        assertEquals(400, given().get("/neuroscope/" + checkpointId + "/neurons/0/12").then().extract().statusCode());
        assertEquals("sort", given().queryParam("sort", "nope").get("/neuroscope/" + checkpointId + "/neurons")
                .then().statusCode(400).extract().jsonPath().getString("field"));
    }

    @Test
    void aCrashedShardIsTakenOverAndTheResultIsTheSame() throws Exception {
        UUID checkpointId = tinyLm(4);
        byte[] corpus = corpus("crash-corpus", 6, 24);
        ScanStore.Enqueued e = neuroscope.request(checkpointId, "crash-corpus", null);
        // a worker that plans the scan, claims a shard and dies
        long deadline = System.currentTimeMillis() + 30_000;
        while ("QUEUED".equals(store.byId(e.id()).orElseThrow().status()) && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        var dead = store.claimShard("dead-worker", java.time.Duration.ofHours(1));
        assertTrue(dead.isPresent() && dead.get().scanId().equals(e.id()), "the dead worker holds a shard");
        awaitCompleted(checkpointId);
        // its shard went stale and a live worker scanned it again: the dead worker's claim is gone
        assertTrue(!store.heartbeatShard(e.id(), dead.get().shard(), "dead-worker", 1));
        assertStoredEqualsInMemory(checkpointId, corpus);
    }
}
