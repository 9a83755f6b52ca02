package org.interplab.trainer.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
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
import org.interplab.trainer.entity.StoredCheckpoint;

/** The checkpoint table: safetensors files in, safetensors files and resumable states out. */
@ApplicationScoped
@Transactional
public class CheckpointStore {
    static final String RNG_STATE_KEY = "rng_state";

    @Inject
    EntityManager em;

    /** A summary without the bytes, for listings. */
    public record CheckpointInfo(UUID id, UUID experimentId, long step, boolean isFinal, String source,
                                 long sizeBytes, Instant createdAt, Map<String, String> metadata) {
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
        row.weights = Safetensors.write(state.weights(), metadata);
        row.optimizer = Safetensors.write(state.optimizerState(), optimizerMetadata);
        row.metadata = Json.write(metadata);
        row.sizeBytes = row.weights.length;
        row.createdAt = Instant.now();
        em.persist(row);
        return row.id;
    }

    /**
     * Stores a checkpoint that no training run of this service made (an upload, a reference model) unless its id
     * exists. Returns whether it was inserted now: with a name-based id, a second replica or a restart inserts
     * nothing.
     */
    public boolean saveExternal(UUID id, String source, long step, byte[] weights, Map<String, String> metadata) {
        return em.createNativeQuery("""
                INSERT INTO checkpoint (id, experiment_id, step, is_final, source, weights, optimizer, metadata,
                                        size_bytes, created_at)
                VALUES (:id, NULL, :step, TRUE, :source, :weights, NULL, :metadata, :size, now())
                ON CONFLICT (id) DO NOTHING""")
                .setParameter("id", id)
                .setParameter("step", step)
                .setParameter("source", source)
                .setParameter("weights", weights)
                .setParameter("metadata", Json.write(metadata))
                .setParameter("size", (long) weights.length)
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

    @Transactional(Transactional.TxType.SUPPORTS)
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
        return em.createQuery("""
                        select c from StoredCheckpoint c
                        where c.experimentId = :e and c.optimizer is not null order by c.step desc""",
                        StoredCheckpoint.class)
                .setParameter("e", experimentId).setMaxResults(1)
                .getResultStream().findFirst()
                .map(c -> {
                    SafetensorsFile weights = Safetensors.read(c.weights);
                    SafetensorsFile optimizer = Safetensors.read(c.optimizer);
                    long rng = Long.parseLong(optimizer.metadata().getOrDefault(RNG_STATE_KEY, "0"));
                    return new ModelState(c.step, weights.tensors(), optimizer.tensors(), rng);
                });
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<byte[]> weights(UUID checkpointId) {
        return Optional.ofNullable(em.find(StoredCheckpoint.class, checkpointId)).map(c -> c.weights);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<CheckpointInfo> info(UUID checkpointId) {
        return Optional.ofNullable(em.find(StoredCheckpoint.class, checkpointId)).map(CheckpointStore::toInfo);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<CheckpointInfo> list(UUID experimentId) {
        return em.createQuery("""
                        select c from StoredCheckpoint c where c.experimentId = :e order by c.step""",
                        StoredCheckpoint.class)
                .setParameter("e", experimentId).getResultStream().map(CheckpointStore::toInfo).toList();
    }

    @SuppressWarnings("unchecked")
    private static CheckpointInfo toInfo(StoredCheckpoint c) {
        return new CheckpointInfo(c.id, c.experimentId, c.step, c.isFinal, c.source, c.sizeBytes, c.createdAt,
                Json.read(c.metadata, Map.class));
    }
}
