package org.interplab.trainer;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.train.ModelState;
import org.interplab.storage.ObjectStore;
import org.interplab.trainer.service.CheckpointStore;
import org.interplab.trainer.service.CheckpointStore.CheckpointObjects;
import org.interplab.trainer.storage.LegacyCheckpointMigration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checkpoint files live in the object store (the filesystem store in %test; {@link CheckpointObjectsS3Test} runs the
 * same against S3Proxy): keys, sizes and sha256s on the row match the stored bytes, downloads stream them back, and
 * rows of the pre-V3 form (bytes in BYTEA) are moved to the store and keep working.
 */
@QuarkusTest
class CheckpointObjectsTest {
    @Inject
    CheckpointStore checkpoints;
    @Inject
    ObjectStore objects;
    @Inject
    LegacyCheckpointMigration legacy;
    @Inject
    EntityManager em;

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    byte[] stored(String key) throws Exception {
        try (InputStream in = objects.get(key).orElseThrow(() -> new AssertionError("no object " + key))) {
            return in.readAllBytes();
        }
    }

    /** The row as the database has it, BYTEA columns included (what the code itself never reads). */
    Map<String, Object> row(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> {
            Object[] r = (Object[]) em.createNativeQuery("""
                    SELECT weights_key, weights_sha256, size_bytes, optimizer_key, optimizer_sha256,
                           optimizer_size_bytes, weights IS NULL, optimizer IS NULL
                    FROM checkpoint WHERE id = :id""").setParameter("id", id).getSingleResult();
            Map<String, Object> m = new LinkedHashMap<>();
            String[] names = {"weights_key", "weights_sha256", "size_bytes", "optimizer_key", "optimizer_sha256",
                    "optimizer_size_bytes", "weights_null", "optimizer_null"};
            for (int i = 0; i < names.length; i++) {
                m.put(names[i], r[i]);
            }
            return m;
        });
    }

    static ModelState state(long step, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> weights = new LinkedHashMap<>();
        weights.put("W_E", Nd4j.rand(DataType.FLOAT, 300, 64));
        weights.put("b_U", Nd4j.rand(DataType.FLOAT, 300));
        Map<String, INDArray> optimizer = new LinkedHashMap<>();
        optimizer.put("m.W_E", Nd4j.rand(DataType.FLOAT, 300, 64));
        optimizer.put("v.W_E", Nd4j.rand(DataType.FLOAT, 300, 64));
        return new ModelState(step, weights, optimizer, 12345L + step);
    }

    @Test
    void aTrainedCheckpointLandsInTheStoreWithItsSha256AndDownloadsTheSameBytes() throws Exception {
        UUID experiment = UUID.randomUUID();
        ModelState state = state(10, 1);
        UUID id = checkpoints.saveTrained(experiment, Presets.expand("xor", 1L, null), state, Map.of("loss", 0.5),
                false, "test");
        Map<String, Object> row = row(id);
        assertEquals(CheckpointStore.weightsKey(id), row.get("weights_key"));
        assertEquals(CheckpointStore.optimizerKey(id), row.get("optimizer_key"));
        byte[] weights = stored(CheckpointStore.weightsKey(id));
        byte[] optimizer = stored(CheckpointStore.optimizerKey(id));
        assertEquals(sha256(weights), row.get("weights_sha256"));
        assertEquals((long) weights.length, ((Number) row.get("size_bytes")).longValue());
        assertEquals(sha256(optimizer), row.get("optimizer_sha256"));
        assertEquals((long) optimizer.length, ((Number) row.get("optimizer_size_bytes")).longValue());
        assertEquals(Boolean.TRUE, row.get("weights_null"));
        // the stored file is exactly what Safetensors.write makes of the tensors
        assertEquals(state.weights().get("W_E"), Safetensors.read(weights).tensors().get("W_E"));

        Response download = given().get("/checkpoints/" + id + "/safetensors");
        download.then().statusCode(200).header("X-Checksum-SHA256", sha256(weights))
                .header("Content-Length", Integer.toString(weights.length));
        assertArrayEquals(weights, download.asByteArray());
        given().get("/checkpoints/" + id).then().statusCode(200)
                .body("sha256", equalTo(sha256(weights)));

        // resuming reads both files back
        ModelState resumed = checkpoints.latestState(experiment).orElseThrow();
        assertEquals(10, resumed.step());
        assertEquals(state.rngState(), resumed.rngState());
        assertEquals(state.weights().get("W_E"), resumed.weights().get("W_E"));
        assertEquals(state.optimizerState().get("v.W_E"), resumed.optimizerState().get("v.W_E"));
        // idempotent per (experiment, step)
        assertEquals(id, checkpoints.saveTrained(experiment, Presets.expand("xor", 1L, null), state,
                Map.of("loss", 0.5), true, "test"));
    }

    @Test
    void anUploadIsStreamedToTheStore() throws Exception {
        Response response = CheckpointUploadTest.multipart(Safetensors.write(CheckpointUploadTest.xorWeights(), null),
                CheckpointUploadTest.xorSpecJson()).post("/checkpoints");
        response.then().statusCode(201);
        UUID id = UUID.fromString(response.path("checkpointId"));
        Map<String, Object> row = row(id);
        byte[] stored = stored(CheckpointStore.weightsKey(id));
        assertEquals(sha256(stored), row.get("weights_sha256"));
        assertEquals((long) stored.length, ((Number) response.path("sizeBytes")).longValue());
        assertNull(row.get("optimizer_key"));
        assertArrayEquals(stored, given().get("/checkpoints/" + id + "/safetensors").then().statusCode(200)
                .extract().asByteArray());
    }

    /** Inserts a checkpoint the way the service stored them before V3: bytes in BYTEA, no object keys. */
    UUID insertLegacyRow(UUID experiment, long step, byte[] weights, byte[] optimizer) {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                        INSERT INTO checkpoint (id, experiment_id, step, is_final, source, weights, optimizer, metadata,
                                                size_bytes, created_at, published_at)
                        VALUES (:id, :e, :step, FALSE, 'trained', :w, :o, :m, :n, now(), now())""")
                .setParameter("id", id).setParameter("e", experiment).setParameter("step", step)
                .setParameter("w", weights).setParameter("o", optimizer)
                .setParameter("m", Json.write(Map.of("step", Long.toString(step))))
                .setParameter("n", (long) weights.length).executeUpdate());
        return id;
    }

    @Test
    void anOldByteaRowIsMovedToTheStoreAndStillDownloads() throws Exception {
        ModelState state = state(7, 2);
        byte[] weights = Safetensors.write(state.weights(), Map.of("step", "7"));
        byte[] optimizer = Safetensors.write(state.optimizerState(), Map.of("rng_state", "99"));
        UUID experiment = UUID.randomUUID();
        UUID downloaded = insertLegacyRow(experiment, 7, weights, optimizer);
        UUID batch = insertLegacyRow(UUID.randomUUID(), 3, weights, null);
        assertNull(row(downloaded).get("weights_key"));

        // a download of a row not moved yet moves it first
        Response download = given().get("/checkpoints/" + downloaded + "/safetensors");
        download.then().statusCode(200).header("X-Checksum-SHA256", sha256(weights));
        assertArrayEquals(weights, download.asByteArray());
        Map<String, Object> row = row(downloaded);
        assertEquals(CheckpointStore.weightsKey(downloaded), row.get("weights_key"));
        assertEquals(sha256(optimizer), row.get("optimizer_sha256"));
        assertEquals(Boolean.TRUE, row.get("weights_null"));
        assertEquals(Boolean.TRUE, row.get("optimizer_null"));
        assertArrayEquals(optimizer, stored(CheckpointStore.optimizerKey(downloaded)));

        // the batch migration moves the rest, and a second run finds nothing to do
        assertTrue(legacy.migrateAll() >= 1);
        assertEquals(0, legacy.migrateAll());
        Map<String, Object> moved = row(batch);
        assertEquals(sha256(weights), moved.get("weights_sha256"));
        assertNull(moved.get("optimizer_key"));
        assertArrayEquals(weights, given().get("/checkpoints/" + batch + "/safetensors").then().statusCode(200)
                .extract().asByteArray());

        // resuming from a row not moved yet works too
        UUID resumable = insertLegacyRow(UUID.randomUUID(), 5, weights, optimizer);
        UUID resumableExperiment = QuarkusTransaction.requiringNew().call(() -> (UUID) em.createNativeQuery(
                "SELECT experiment_id FROM checkpoint WHERE id = :id", UUID.class)
                .setParameter("id", resumable).getSingleResult());
        ModelState resumed = checkpoints.latestState(resumableExperiment).orElseThrow();
        assertEquals(5, resumed.step());
        assertEquals(99L, resumed.rngState());
        assertEquals(state.optimizerState().get("m.W_E"), resumed.optimizerState().get("m.W_E"));
        CheckpointObjects files = checkpoints.objects(resumable).orElseThrow();
        assertNotNull(files.optimizer());
    }

    @Test
    void unknownCheckpointIs404() {
        given().get("/checkpoints/" + UUID.randomUUID() + "/safetensors").then().statusCode(404);
    }
}
