package org.interplab.trainer.storage;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.interplab.storage.ObjectStore;
import org.interplab.storage.ObjectStore.StoredObject;
import org.interplab.trainer.service.CheckpointStore;

/**
 * Moves checkpoints written before V3 (bytes in the BYTEA columns {@code weights}/{@code optimizer}) to the object
 * store. One row per transaction: lock it, put its files under the usual keys, record keys/sizes/sha256s and clear
 * the BYTEA columns. Idempotent and restartable: a row is moved at most once (its key is set in the same commit that
 * clears its bytes), and a crash between the put and the commit only means the put is repeated.
 *
 * <p>Why a start-up bean and not a Flyway Java migration: the move needs the configured object store (a CDI bean,
 * S3 credentials), must not hold one transaction over every row of a large table, and must not delay start-up; it
 * runs in the background at start-up, and a request for a row not moved yet moves that row first
 * ({@link #migrate(UUID)}). This is the only code that reads the BYTEA columns.
 */
@ApplicationScoped
public class LegacyCheckpointMigration {
    static final int BATCH = 20;

    @Inject
    EntityManager em;
    @Inject
    ObjectStore objects;
    @Inject
    LegacyCheckpointMigration self;

    private volatile CompletableFuture<Integer> done = CompletableFuture.completedFuture(0);

    void onStart(@Observes StartupEvent startup) {
        done = CompletableFuture.supplyAsync(self::migrateAll).whenComplete((n, e) -> {
            if (e != null) {
                Log.error("moving old checkpoints to the object store failed; retried at the next start-up "
                        + "(and per checkpoint when it is read)", e);
            } else if (n > 0) {
                Log.infof("moved %d checkpoint(s) from PostgreSQL to %s", n, objects.describe());
            }
        });
    }

    /** Completes when the start-up run finished, with the number of rows it moved. */
    public CompletableFuture<Integer> startupMigration() {
        return done;
    }

    /** Moves every row still in the old form, in batches; returns how many this call moved. */
    public int migrateAll() {
        int moved = 0;
        Set<UUID> seen = new HashSet<>();
        while (true) {
            List<UUID> batch = self.pending(BATCH + seen.size()).stream().filter(seen::add).toList();
            if (batch.isEmpty()) {
                return moved;
            }
            for (UUID id : batch) {
                if (self.migrate(id, true)) {
                    moved++;
                }
            }
        }
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    @SuppressWarnings("unchecked")
    List<UUID> pending(int limit) {
        return em.createNativeQuery("""
                        SELECT id FROM checkpoint WHERE weights_key IS NULL AND weights IS NOT NULL
                        ORDER BY created_at, id LIMIT :n""", UUID.class)
                .setParameter("n", limit).getResultList();
    }

    /** Moves one row if it is still in the old form (waiting for another replica that is moving it). */
    public boolean migrate(UUID id) {
        return self.migrate(id, false);
    }

    @Transactional(Transactional.TxType.REQUIRES_NEW)
    boolean migrate(UUID id, boolean skipLocked) {
        List<?> rows = em.createNativeQuery("SELECT weights, optimizer FROM checkpoint "
                        + "WHERE id = :id AND weights_key IS NULL AND weights IS NOT NULL FOR UPDATE"
                        + (skipLocked ? " SKIP LOCKED" : ""))
                .setParameter("id", id).getResultList();
        if (rows.isEmpty()) {
            return false;
        }
        Object[] row = (Object[]) rows.get(0);
        StoredObject weights = put(CheckpointStore.weightsKey(id), (byte[]) row[0]);
        StoredObject optimizer = row[1] == null ? null : put(CheckpointStore.optimizerKey(id), (byte[]) row[1]);
        em.createNativeQuery("""
                        UPDATE checkpoint SET weights_key = :wk, weights_sha256 = :ws, size_bytes = :wn,
                               optimizer_key = :ok, optimizer_size_bytes = :on, optimizer_sha256 = :os,
                               weights = NULL, optimizer = NULL
                        WHERE id = :id""")
                .setParameter("wk", weights.key()).setParameter("ws", weights.sha256())
                .setParameter("wn", weights.size())
                .setParameter("ok", optimizer == null ? null : optimizer.key())
                .setParameter("on", optimizer == null ? null : optimizer.size())
                .setParameter("os", optimizer == null ? null : optimizer.sha256())
                .setParameter("id", id).executeUpdate();
        Log.infof("checkpoint %s moved to the object store (%d bytes)", id, weights.size());
        return true;
    }

    private StoredObject put(String key, byte[] bytes) {
        try {
            return objects.put(key, new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store " + key + " in " + objects.describe(), e);
        }
    }
}
