package org.interplab.analysis.neuroscope;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.hibernate.Session;
import org.interplab.contracts.Json;

/**
 * The scan job tables: neuroscope_scan (one per checkpoint and corpus) and neuroscope_shard (its pieces). Workers
 * claim with FOR UPDATE SKIP LOCKED and prove they are alive with heartbeats; a claim whose heartbeat is stale is
 * taken over. Every state change names the worker, so one that lost its claim cannot overwrite another's work.
 */
@ApplicationScoped
@Transactional
public class ScanStore {
    @Inject
    EntityManager em;

    public record Scan(UUID id, UUID checkpointId, String corpusId, String status, ScanParams params, String spec,
                       Integer nLayers, Integer dMlp, Integer stories, Integer shardsTotal, Long tokensTotal,
                       int shardsDone, long tokensDone, String error) {
    }

    public record Shard(UUID scanId, int shard, int groupFrom, int groupTo, int attempts) {
    }

    public record Enqueued(UUID id, boolean created) {
    }

    /** Records a scan unless this checkpoint and corpus already have one (a replayed event changes nothing). */
    public Enqueued enqueue(UUID checkpointId, String corpusId, String spec, ScanParams params) {
        @SuppressWarnings("unchecked")
        List<UUID> inserted = em.createNativeQuery("""
                INSERT INTO neuroscope_scan (id, checkpoint_id, corpus_id, status, settings, spec)
                VALUES (:id, :checkpoint, :corpus, 'QUEUED', :settings, :spec)
                ON CONFLICT (checkpoint_id, corpus_id) DO NOTHING RETURNING id""", UUID.class)
                .setParameter("id", UUID.randomUUID())
                .setParameter("checkpoint", checkpointId)
                .setParameter("corpus", corpusId)
                .setParameter("settings", Json.write(params))
                .setParameter("spec", spec)
                .getResultList();
        if (!inserted.isEmpty()) {
            return new Enqueued(inserted.get(0), true);
        }
        return new Enqueued(find(checkpointId, corpusId).orElseThrow().id(), false);
    }

    /** A queued scan to plan (or one whose planner died). */
    public Optional<UUID> claimPlanning(String worker, Duration stale) {
        return claimScan(worker, stale, "status = 'QUEUED'", "QUEUED");
    }

    /** A planned scan whose shards are all done (or a merge whose merger died). */
    public Optional<UUID> claimMerge(String worker, Duration stale) {
        return claimScan(worker, stale, """
                (status = 'PLANNED' AND NOT EXISTS (SELECT 1 FROM neuroscope_shard h
                                                   WHERE h.scan_id = s.id AND h.status <> 'DONE'))""", "MERGING");
    }

    private Optional<UUID> claimScan(String worker, Duration stale, String ready, String newStatus) {
        @SuppressWarnings("unchecked")
        List<UUID> ids = em.createNativeQuery("""
                UPDATE neuroscope_scan SET status = :status, claimed_by = :worker, heartbeat_at = now(),
                       attempts = attempts + 1, updated_at = now()
                WHERE id = (SELECT id FROM neuroscope_scan s
                            WHERE %s OR (status = :status AND heartbeat_at < now() - make_interval(secs => :stale))
                            ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id""".formatted(ready), UUID.class)
                .setParameter("status", newStatus)
                .setParameter("worker", worker)
                .setParameter("stale", stale.toMillis() / 1000.0)
                .getResultList();
        return ids.stream().findFirst();
    }

    /** Stores the plan (shards as [groupFrom, groupTo) ranges) of a scan this worker is planning. */
    public boolean plan(UUID scanId, String worker, int nLayers, int dMlp, int stories, long tokens,
                        List<int[]> shards) {
        int updated = em.createNativeQuery("""
                UPDATE neuroscope_scan SET status = 'PLANNED', n_layers = :layers, d_mlp = :dmlp, stories = :stories,
                       tokens_total = :tokens, shards_total = :shards, updated_at = now()
                WHERE id = :id AND claimed_by = :worker AND status = 'QUEUED'""")
                .setParameter("layers", nLayers).setParameter("dmlp", dMlp).setParameter("stories", stories)
                .setParameter("tokens", tokens).setParameter("shards", shards.size())
                .setParameter("id", scanId).setParameter("worker", worker).executeUpdate();
        if (updated == 0) {
            return false;
        }
        em.createNativeQuery("DELETE FROM neuroscope_shard WHERE scan_id = :id").setParameter("id", scanId)
                .executeUpdate();
        em.unwrap(Session.class).doWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO neuroscope_shard (scan_id, shard, group_from, group_to, status)
                    VALUES (?, ?, ?, ?, 'QUEUED')""")) {
                for (int i = 0; i < shards.size(); i++) {
                    ps.setObject(1, scanId);
                    ps.setInt(2, i);
                    ps.setInt(3, shards.get(i)[0]);
                    ps.setInt(4, shards.get(i)[1]);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        });
        return true;
    }

    /** The next queued shard of any scan, or a running one whose worker stopped sending heartbeats. */
    public Optional<Shard> claimShard(String worker, Duration stale) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                UPDATE neuroscope_shard SET status = 'RUNNING', claimed_by = :worker, heartbeat_at = now(),
                       attempts = attempts + 1, tokens_done = 0
                WHERE (scan_id, shard) = (
                    SELECT h.scan_id, h.shard FROM neuroscope_shard h JOIN neuroscope_scan s ON s.id = h.scan_id
                    WHERE s.status = 'PLANNED' AND (h.status = 'QUEUED'
                       OR (h.status = 'RUNNING' AND h.heartbeat_at < now() - make_interval(secs => :stale)))
                    ORDER BY s.created_at, h.shard LIMIT 1 FOR UPDATE OF h SKIP LOCKED)
                RETURNING scan_id, shard, group_from, group_to, attempts""")
                .setParameter("worker", worker)
                .setParameter("stale", stale.toMillis() / 1000.0)
                .getResultList();
        return rows.stream().findFirst().map(r -> new Shard((UUID) r[0], ((Number) r[1]).intValue(),
                ((Number) r[2]).intValue(), ((Number) r[3]).intValue(), ((Number) r[4]).intValue()));
    }

    /** Records progress; false when this worker no longer holds the shard (it must stop). */
    public boolean heartbeatShard(UUID scanId, int shard, String worker, long tokensDone) {
        return em.createNativeQuery("""
                UPDATE neuroscope_shard SET heartbeat_at = now(), tokens_done = :tokens
                WHERE scan_id = :id AND shard = :shard AND claimed_by = :worker AND status = 'RUNNING'""")
                .setParameter("tokens", tokensDone).setParameter("id", scanId).setParameter("shard", shard)
                .setParameter("worker", worker).executeUpdate() == 1;
    }

    public boolean finishShard(UUID scanId, int shard, String worker, long tokensDone, byte[] partial) {
        return em.createNativeQuery("""
                UPDATE neuroscope_shard SET status = 'DONE', heartbeat_at = now(), tokens_done = :tokens,
                       partial = :partial
                WHERE scan_id = :id AND shard = :shard AND claimed_by = :worker AND status = 'RUNNING'""")
                .setParameter("tokens", tokensDone).setParameter("partial", partial).setParameter("id", scanId)
                .setParameter("shard", shard).setParameter("worker", worker).executeUpdate() == 1;
    }

    public boolean heartbeatScan(UUID scanId, String worker) {
        return em.createNativeQuery("""
                UPDATE neuroscope_scan SET heartbeat_at = now(), updated_at = now()
                WHERE id = :id AND claimed_by = :worker AND status IN ('QUEUED', 'MERGING')""")
                .setParameter("id", scanId).setParameter("worker", worker).executeUpdate() == 1;
    }

    public void fail(UUID scanId, String error) {
        em.createNativeQuery("""
                UPDATE neuroscope_scan SET status = 'FAILED', error = :error, updated_at = now()
                WHERE id = :id AND status <> 'COMPLETED'""")
                .setParameter("error", error).setParameter("id", scanId).executeUpdate();
    }

    public byte[] partial(UUID scanId, int shard) {
        return (byte[]) em.createNativeQuery(
                        "SELECT partial FROM neuroscope_shard WHERE scan_id = :id AND shard = :shard")
                .setParameter("id", scanId).setParameter("shard", shard).getSingleResult();
    }

    /** One stored neuron row; {@code stats} is the gzip of its NeuronStats. */
    public record NeuronRow(int layer, int neuron, float maxAct, double mean, double density, float sharpness,
                            int topLogitToken, byte[] stats, String logits) {
    }

    public record TokenRow(int token, int layer, int neuron, float activation) {
    }

    /** Stores a merged scan in one transaction (JDBC batches) and completes it, if this worker still merges it. */
    public boolean complete(UUID scanId, String worker, List<NeuronRow> neurons, List<TokenRow> tokens) {
        int held = em.createNativeQuery("""
                UPDATE neuroscope_scan SET status = 'COMPLETED', completed_at = now(), updated_at = now(), error = NULL
                WHERE id = :id AND claimed_by = :worker AND status = 'MERGING'""")
                .setParameter("id", scanId).setParameter("worker", worker).executeUpdate();
        if (held == 0) {
            return false;
        }
        // the shards' partial results are merged into the neurons below: kept, they were ~5× the stored scan
        em.createNativeQuery("UPDATE neuroscope_shard SET partial = NULL WHERE scan_id = :id")
                .setParameter("id", scanId).executeUpdate();
        em.createNativeQuery("DELETE FROM neuroscope_neuron WHERE scan_id = :id").setParameter("id", scanId)
                .executeUpdate();
        em.createNativeQuery("DELETE FROM neuroscope_token WHERE scan_id = :id").setParameter("id", scanId)
                .executeUpdate();
        em.unwrap(Session.class).doWork(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO neuroscope_neuron (scan_id, layer, neuron, max_act, mean_act, density,
                        logit_sharpness, top_logit_token, stats, logits) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")) {
                int n = 0;
                for (NeuronRow r : neurons) {
                    ps.setObject(1, scanId);
                    ps.setInt(2, r.layer());
                    ps.setInt(3, r.neuron());
                    ps.setFloat(4, r.maxAct());
                    ps.setDouble(5, r.mean());
                    ps.setDouble(6, r.density());
                    ps.setFloat(7, r.sharpness());
                    ps.setInt(8, r.topLogitToken());
                    ps.setBytes(9, r.stats());
                    ps.setString(10, r.logits());
                    ps.addBatch();
                    if (++n % 500 == 0) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
            try (PreparedStatement ps = c.prepareStatement("""
                    INSERT INTO neuroscope_token (scan_id, token, layer, neuron, activation) VALUES (?, ?, ?, ?, ?)""")) {
                int n = 0;
                for (TokenRow r : tokens) {
                    ps.setObject(1, scanId);
                    ps.setInt(2, r.token());
                    ps.setInt(3, r.layer());
                    ps.setInt(4, r.neuron());
                    ps.setFloat(5, r.activation());
                    ps.addBatch();
                    if (++n % 2000 == 0) {
                        ps.executeBatch();
                    }
                }
                ps.executeBatch();
            }
        });
        return true;
    }

    // ---- reads ----

    public Optional<Scan> find(UUID checkpointId, String corpusId) {
        return scans("s.checkpoint_id = :checkpoint AND s.corpus_id = :corpus", checkpointId, corpusId)
                .stream().findFirst();
    }

    /** The scans of a checkpoint, completed first, newest first. */
    public List<Scan> forCheckpoint(UUID checkpointId) {
        return scans("s.checkpoint_id = :checkpoint", checkpointId, null);
    }

    private List<Scan> scans(String where, UUID checkpointId, String corpusId) {
        var q = em.createNativeQuery("""
                SELECT s.id, s.checkpoint_id, s.corpus_id, s.status, s.settings, s.spec, s.n_layers, s.d_mlp,
                       s.stories, s.shards_total, s.tokens_total, s.error,
                       (SELECT count(*) FROM neuroscope_shard h WHERE h.scan_id = s.id AND h.status = 'DONE'),
                       (SELECT coalesce(sum(tokens_done), 0) FROM neuroscope_shard h WHERE h.scan_id = s.id)
                FROM neuroscope_scan s WHERE %s
                ORDER BY (s.status = 'COMPLETED') DESC, s.created_at DESC""".formatted(where))
                .setParameter("checkpoint", checkpointId);
        if (corpusId != null) {
            q.setParameter("corpus", corpusId);
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = q.getResultList();
        return rows.stream().map(r -> new Scan((UUID) r[0], (UUID) r[1], (String) r[2], (String) r[3],
                Json.read((String) r[4], ScanParams.class), (String) r[5], integer(r[6]), integer(r[7]),
                integer(r[8]), integer(r[9]), r[10] == null ? null : ((Number) r[10]).longValue(),
                ((Number) r[12]).intValue(), ((Number) r[13]).longValue(), (String) r[11])).toList();
    }

    public Optional<Scan> byId(UUID scanId) {
        UUID checkpoint = (UUID) em.createNativeQuery("SELECT checkpoint_id FROM neuroscope_scan WHERE id = :id")
                .setParameter("id", scanId).getResultStream().findFirst().orElse(null);
        return checkpoint == null ? Optional.empty()
                : forCheckpoint(checkpoint).stream().filter(s -> s.id().equals(scanId)).findFirst();
    }

    private static Integer integer(Object o) {
        return o == null ? null : ((Number) o).intValue();
    }

    public Optional<NeuronRow> neuron(UUID scanId, int layer, int neuron) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT layer, neuron, max_act, mean_act, density, logit_sharpness, top_logit_token, stats, logits
                FROM neuroscope_neuron WHERE scan_id = :id AND layer = :layer AND neuron = :neuron""")
                .setParameter("id", scanId).setParameter("layer", layer).setParameter("neuron", neuron)
                .getResultList();
        return rows.stream().findFirst().map(ScanStore::row);
    }

    /** Neuron index rows without their examples, sorted by a column. */
    public List<NeuronRow> index(UUID scanId, Integer layer, String orderColumn, boolean descending, int limit,
                                 int offset) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT layer, neuron, max_act, mean_act, density, logit_sharpness, top_logit_token, NULL, NULL
                FROM neuroscope_neuron WHERE scan_id = :id AND (CAST(:layer AS INT) IS NULL OR layer = :layer)
                ORDER BY %s %s NULLS LAST, layer, neuron LIMIT :limit OFFSET :offset"""
                        .formatted(orderColumn, descending ? "DESC" : "ASC"))
                .setParameter("id", scanId).setParameter("layer", layer).setParameter("limit", limit)
                .setParameter("offset", offset).getResultList();
        return rows.stream().map(ScanStore::row).toList();
    }

    public long neuronCount(UUID scanId, Integer layer) {
        return ((Number) em.createNativeQuery("""
                SELECT count(*) FROM neuroscope_neuron
                WHERE scan_id = :id AND (CAST(:layer AS INT) IS NULL OR layer = :layer)""")
                .setParameter("id", scanId).setParameter("layer", layer).getSingleResult()).longValue();
    }

    public List<TokenRow> byToken(UUID scanId, int token, int limit) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                SELECT token, layer, neuron, activation FROM neuroscope_token WHERE scan_id = :id AND token = :token
                ORDER BY activation DESC, layer, neuron LIMIT :limit""")
                .setParameter("id", scanId).setParameter("token", token).setParameter("limit", limit)
                .getResultList();
        return rows.stream().map(r -> new TokenRow(((Number) r[0]).intValue(), ((Number) r[1]).intValue(),
                ((Number) r[2]).intValue(), ((Number) r[3]).floatValue())).toList();
    }

    /** Bytes stored for a scan's neurons (for the closing figures: storage per model). */
    public long storedBytes(UUID scanId) {
        return ((Number) em.createNativeQuery("""
                SELECT coalesce(sum(octet_length(stats) + coalesce(octet_length(logits), 0)), 0)
                FROM neuroscope_neuron WHERE scan_id = :id""").setParameter("id", scanId).getSingleResult())
                .longValue();
    }

    private static NeuronRow row(Object[] r) {
        return new NeuronRow(((Number) r[0]).intValue(), ((Number) r[1]).intValue(),
                r[2] == null ? Float.NaN : ((Number) r[2]).floatValue(),
                r[3] == null ? Double.NaN : ((Number) r[3]).doubleValue(),
                r[4] == null ? Double.NaN : ((Number) r[4]).doubleValue(),
                r[5] == null ? Float.NaN : ((Number) r[5]).floatValue(),
                r[6] == null ? -1 : ((Number) r[6]).intValue(), (byte[]) r[7], (String) r[8]);
    }
}
