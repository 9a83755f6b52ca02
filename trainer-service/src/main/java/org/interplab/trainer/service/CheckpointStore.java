package org.interplab.trainer.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.checkpoint.SafetensorsFile;
import org.interplab.core.train.ModelState;
import org.interplab.storage.ObjectStore;
import org.interplab.storage.ObjectStore.StoredObject;
import org.interplab.trainer.entity.StoredCheckpoint;
import org.interplab.trainer.storage.LegacyCheckpointMigration;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The checkpoint table and its files: safetensors files in, safetensors files and resumable states out. The files
 * live in the object store under {@link #weightsKey} and {@link #optimizerKey}; a row keeps their keys, sizes and
 * sha256s. Reads and writes stream (temporary files, never a whole file in one array) except where a method's
 * signature asks for a {@code byte[]}.
 */
@ApplicationScoped
@Transactional
public class CheckpointStore {
    static final String RNG_STATE_KEY = "rng_state";

    @Inject
    EntityManager em;
    @Inject
    ObjectStore objects;
    @Inject
    LegacyCheckpointMigration legacy;

    /** A summary without the bytes, for listings; {@code sha256} is the weights file's. */
    public record CheckpointInfo(UUID id, UUID experimentId, long step, boolean isFinal, String source,
                                 long sizeBytes, Instant createdAt, Map<String, String> metadata, String sha256) {
        public CheckpointInfo(UUID id, UUID experimentId, long step, boolean isFinal, String source, long sizeBytes,
                              Instant createdAt, Map<String, String> metadata) {
            this(id, experimentId, step, isFinal, source, sizeBytes, createdAt, metadata, null);
        }
    }

    /** Where a checkpoint's files are: the weights always, the optimizer state for trained checkpoints only. */
    public record CheckpointObjects(StoredObject weights, StoredObject optimizer) {
    }

    /** The object-store key of a checkpoint's weights file. */
    public static String weightsKey(UUID checkpointId) {
        return "checkpoints/" + checkpointId + "/model.safetensors";
    }

    /** The object-store key of a checkpoint's optimizer-state file. */
    public static String optimizerKey(UUID checkpointId) {
        return "checkpoints/" + checkpointId + "/optimizer.safetensors";
    }

    /**
     * Stores a trained checkpoint. Idempotent per (experiment, step): a resumed run that reaches a step again gets
     * the id stored the first time.
     */
    public UUID saveTrained(UUID experimentId, ExperimentSpec spec, ModelState state, Map<String, Double> metrics,
                            boolean isFinal, String codeVersion) {
        return saveTrained(experimentId, spec, state, metrics, isFinal, codeVersion, null);
    }

    /** As above, with a language model's sample generations in the metadata ({@code sample_<kind>} keys). */
    public UUID saveTrained(UUID experimentId, ExperimentSpec spec, ModelState state, Map<String, Double> metrics,
                            boolean isFinal, String codeVersion, Map<String, String> samples) {
        Optional<UUID> existing = idAt(experimentId, state.step());
        if (existing.isPresent()) {
            if (isFinal) {
                em.find(StoredCheckpoint.class, existing.get()).isFinal = true;
            }
            return existing.get();
        }
        Map<String, String> metadata = new java.util.LinkedHashMap<>(
                CheckpointMetadata.of(spec, state.step(), metrics, codeVersion).toMap());
        if (samples != null) {
            samples.forEach((kind, text) -> metadata.put("sample_" + kind, text));
        }
        Map<String, String> optimizerMetadata = new HashMap<>(metadata);
        optimizerMetadata.put(RNG_STATE_KEY, Long.toString(state.rngState()));
        StoredCheckpoint row = new StoredCheckpoint();
        row.id = UUID.randomUUID();
        row.experimentId = experimentId;
        row.step = state.step();
        row.isFinal = isFinal;
        row.source = "trained";
        StoredObject weights = putTensors(weightsKey(row.id), state.weights(), metadata);
        StoredObject optimizer = putTensors(optimizerKey(row.id), state.optimizerState(), optimizerMetadata);
        row.weightsKey = weights.key();
        row.weightsSha256 = weights.sha256();
        row.sizeBytes = weights.size();
        row.optimizerKey = optimizer.key();
        row.optimizerSizeBytes = optimizer.size();
        row.optimizerSha256 = optimizer.sha256();
        row.metadata = Json.write(metadata);
        row.createdAt = Instant.now();
        em.persist(row);
        return row.id;
    }

    /** Writes tensors as a safetensors file to a temporary file, then streams that into the store. */
    private StoredObject putTensors(String key, Map<String, INDArray> tensors, Map<String, String> metadata) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("checkpoint-", ".safetensors");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                Safetensors.write(tensors, metadata, out);
            }
            return putFile(key, tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store " + key + " in " + objects.describe(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    private StoredObject putFile(String key, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return objects.put(key, in);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                file.toFile().deleteOnExit();
            }
        }
    }

    /**
     * Stores a checkpoint that no training run of this service made (an upload, a reference model) unless its id
     * exists. Returns whether it was inserted now: with a name-based id, a second replica or a restart inserts
     * nothing.
     */
    public boolean saveExternal(UUID id, String source, long step, byte[] weights, Map<String, String> metadata) {
        return saveExternal(id, source, step, () -> objects.put(weightsKey(id), new ByteArrayInputStream(weights)),
                metadata);
    }

    /** As {@link #saveExternal(UUID, String, long, byte[], Map)}, with the safetensors file streamed from disk. */
    public boolean saveExternal(UUID id, String source, long step, Path weightsFile, Map<String, String> metadata) {
        return saveExternal(id, source, step, () -> putFile(weightsKey(id), weightsFile), metadata);
    }

    /** As {@link #saveExternal(UUID, String, long, byte[], Map)}, with the tensors written as they are streamed. */
    public boolean saveExternal(UUID id, String source, long step, Map<String, INDArray> weights,
                                Map<String, String> metadata) {
        return saveExternal(id, source, step, () -> putTensors(weightsKey(id), weights, metadata), metadata);
    }

    private boolean exists(String key) {
        try {
            return objects.size(key).isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach " + objects.describe(), e);
        }
    }

    private interface Put {
        StoredObject put() throws IOException;
    }

    private boolean saveExternal(UUID id, String source, long step, Put put, Map<String, String> metadata) {
        StoredCheckpoint existing = em.find(StoredCheckpoint.class, id);
        if (existing != null) {
            // stored before: its file is not overwritten — unless the object is gone (the lab was pointed at a new,
            // empty object store), when the same deterministic content is put back under the row's key
            if (existing.weightsKey != null && !exists(existing.weightsKey)) {
                try {
                    put.put();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot store " + weightsKey(id) + " in " + objects.describe(), e);
                }
            }
            return false;
        }
        StoredObject weights;
        try {
            weights = put.put();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store " + weightsKey(id) + " in " + objects.describe(), e);
        }
        return em.createNativeQuery("""
                INSERT INTO checkpoint (id, experiment_id, step, is_final, source, weights_key, weights_sha256,
                                        metadata, size_bytes, created_at)
                VALUES (:id, NULL, :step, TRUE, :source, :key, :sha256, :metadata, :size, now())
                ON CONFLICT (id) DO NOTHING""")
                .setParameter("id", id)
                .setParameter("step", step)
                .setParameter("source", source)
                .setParameter("key", weights.key())
                .setParameter("sha256", weights.sha256())
                .setParameter("metadata", Json.write(metadata))
                .setParameter("size", weights.size())
                .executeUpdate() == 1;
    }

    /** CheckpointPublished went out for this checkpoint. */
    public void markPublished(UUID id) {
        em.createQuery("update StoredCheckpoint c set c.publishedAt = :now where c.id = :id and c.publishedAt is null")
                .setParameter("now", Instant.now()).setParameter("id", id).executeUpdate();
    }

    /** Uploaded and reference checkpoints stored but not yet announced on Kafka. */
    public List<UUID> unpublishedExternal() {
        return em.createQuery("""
                        select c.id from StoredCheckpoint c
                        where c.experimentId is null and c.publishedAt is null order by c.createdAt""", UUID.class)
                .getResultList();
    }

    /** The checkpoint's spec, step and metrics as stored in its metadata. */
    public Optional<CheckpointMetadata> metadata(UUID id) {
        return Optional.ofNullable(em.find(StoredCheckpoint.class, id))
                .map(c -> CheckpointMetadata.fromMap(readMap(c.metadata)));
    }

    public List<CheckpointInfo> listBySource(String source) {
        return em.createQuery("""
                        select c from StoredCheckpoint c where c.source = :s order by c.createdAt, c.id""",
                        StoredCheckpoint.class)
                .setParameter("s", source).getResultStream().map(CheckpointStore::toInfo).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> readMap(String json) {
        return Json.read(json, Map.class);
    }

    private Optional<UUID> idAt(UUID experimentId, long step) {
        return em.createQuery("select c.id from StoredCheckpoint c where c.experimentId = :e and c.step = :s",
                        UUID.class)
                .setParameter("e", experimentId).setParameter("s", step)
                .getResultStream().findFirst();
    }

    /** The state to resume an experiment from: its latest checkpoint with optimizer state, if any. */
    public Optional<ModelState> latestState(UUID experimentId) {
        // a checkpoint has optimizer state when it has an optimizer object, or (not moved yet) optimizer bytes
        List<?> ids = em.createNativeQuery("""
                        SELECT id FROM checkpoint WHERE experiment_id = :e
                          AND (optimizer_key IS NOT NULL OR (weights_key IS NULL AND optimizer IS NOT NULL))
                        ORDER BY step DESC LIMIT 1""", UUID.class)
                .setParameter("e", experimentId).getResultList();
        if (ids.isEmpty()) {
            return Optional.empty();
        }
        UUID id = (UUID) ids.get(0);
        CheckpointObjects files = objects(id).orElseThrow();
        StoredCheckpoint c = em.find(StoredCheckpoint.class, id);
        SafetensorsFile weights = readTensors(files.weights());
        SafetensorsFile optimizer = readTensors(files.optimizer());
        long rng = Long.parseLong(optimizer.metadata().getOrDefault(RNG_STATE_KEY, "0"));
        return Optional.of(new ModelState(c.step, weights.tensors(), optimizer.tensors(), rng));
    }

    /**
     * The checkpoint's files (keys, sizes, sha256s); a checkpoint still in the pre-V3 form is moved to the object
     * store first.
     */
    public Optional<CheckpointObjects> objects(UUID checkpointId) {
        StoredCheckpoint c = em.find(StoredCheckpoint.class, checkpointId);
        if (c == null) {
            return Optional.empty();
        }
        if (c.weightsKey == null) {
            legacy.migrate(checkpointId);
            em.detach(c);
            c = em.find(StoredCheckpoint.class, checkpointId);
        }
        return Optional.of(new CheckpointObjects(new StoredObject(c.weightsKey, c.sizeBytes, c.weightsSha256),
                c.optimizerKey == null ? null
                        : new StoredObject(c.optimizerKey, c.optimizerSizeBytes, c.optimizerSha256)));
    }

    /** The weights file as a stream the caller closes (its size and sha256 are in {@link #objects}). */
    public Optional<InputStream> openWeights(UUID checkpointId) {
        return objects(checkpointId).map(files -> open(files.weights()));
    }

    /** The weights file in one array: for small models only; prefer {@link #openWeights}. */
    public Optional<byte[]> weights(UUID checkpointId) {
        return openWeights(checkpointId).map(in -> {
            try (in) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The checkpoint's weights as tensors, read from a temporary copy of the file (no whole-file array). */
    public Optional<SafetensorsFile> readWeights(UUID checkpointId) {
        return objects(checkpointId).map(files -> readTensors(files.weights()));
    }

    /** One of a checkpoint's files as a stream the caller closes. */
    public InputStream open(StoredObject object) {
        try {
            return objects.get(object.key()).orElseThrow(() -> new IllegalStateException(
                    "object " + object.key() + " is missing from " + objects.describe()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + object.key() + " from " + objects.describe(), e);
        }
    }

    private SafetensorsFile readTensors(StoredObject object) {
        Path tmp = null;
        try (InputStream in = open(object)) {
            tmp = Files.createTempFile("checkpoint-", ".safetensors");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return Safetensors.read(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + object.key() + " from " + objects.describe(), e);
        } finally {
            deleteQuietly(tmp);
        }
    }

    public Optional<CheckpointInfo> info(UUID checkpointId) {
        return Optional.ofNullable(em.find(StoredCheckpoint.class, checkpointId)).map(CheckpointStore::toInfo);
    }

    /** The stored checkpoints among these ids (unknown ids are left out), in no particular order. */
    public List<CheckpointInfo> infos(java.util.Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return em.createQuery("select c from StoredCheckpoint c where c.id in :ids", StoredCheckpoint.class)
                .setParameter("ids", ids).getResultStream().map(CheckpointStore::toInfo).toList();
    }

    public List<CheckpointInfo> list(UUID experimentId) {
        return em.createQuery("""
                        select c from StoredCheckpoint c where c.experimentId = :e order by c.step""",
                        StoredCheckpoint.class)
                .setParameter("e", experimentId).getResultStream().map(CheckpointStore::toInfo).toList();
    }

    @SuppressWarnings("unchecked")
    private static CheckpointInfo toInfo(StoredCheckpoint c) {
        return new CheckpointInfo(c.id, c.experimentId, c.step, c.isFinal, c.source, c.sizeBytes, c.createdAt,
                Json.read(c.metadata, Map.class), c.weightsSha256);
    }
}
