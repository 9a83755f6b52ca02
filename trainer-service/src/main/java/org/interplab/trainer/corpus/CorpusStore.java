package org.interplab.trainer.corpus;

import com.fasterxml.jackson.core.type.TypeReference;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.interplab.contracts.Json;
import org.interplab.core.corpus.CorpusTokenizer;
import org.interplab.storage.ObjectStore;

/** The corpus table: registrations, the tokenizing queue, and the READY corpora with their split files. */
@ApplicationScoped
@Transactional
public class CorpusStore {
    private static final TypeReference<List<String>> STRINGS = new TypeReference<>() {
    };

    @Inject
    EntityManager em;

    /** Inserts a QUEUED corpus unless the id exists; true when it was new. */
    public boolean register(String id, String name, String sourceKind, String sourceFormat, String sourceRef,
                            long splitSeed) {
        return em.createNativeQuery("""
                INSERT INTO corpus (id, name, source_kind, source_format, source_ref, status, split_seed)
                VALUES (:id, :name, :kind, :format, :ref, 'QUEUED', :seed)
                ON CONFLICT (id) DO NOTHING""")
                .setParameter("id", id)
                .setParameter("name", name)
                .setParameter("kind", sourceKind)
                .setParameter("format", sourceFormat)
                .setParameter("ref", sourceRef)
                .setParameter("seed", splitSeed)
                .executeUpdate() == 1;
    }

    /**
     * Claims the oldest queued corpus, or a TOKENIZING one whose worker stopped sending heartbeats (it is redone
     * from its source). SKIP LOCKED lets replicas claim concurrently.
     */
    public Optional<CorpusRow> claimNext(String worker, Duration staleAfter) {
        @SuppressWarnings("unchecked")
        List<String> ids = em.createNativeQuery("""
                UPDATE corpus SET status = 'TOKENIZING', claimed_by = :worker, heartbeat_at = now(), progress = 0,
                       attempts = attempts + 1, updated_at = now()
                WHERE id = (
                    SELECT id FROM corpus
                    WHERE status = 'QUEUED'
                       OR (status = 'TOKENIZING' AND heartbeat_at < now() - make_interval(secs => :stale))
                    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id""", String.class)
                .setParameter("worker", worker)
                .setParameter("stale", staleAfter.toMillis() / 1000.0)
                .getResultList();
        return ids.stream().findFirst().flatMap(this::find);
    }

    /** Records progress (0…1) and proves the worker alive; false when another worker holds the corpus now. */
    public boolean heartbeat(String id, String worker, double progress) {
        return em.createNativeQuery("""
                UPDATE corpus SET progress = :progress, heartbeat_at = now(), updated_at = now()
                WHERE id = :id AND claimed_by = :worker AND status = 'TOKENIZING'""")
                .setParameter("progress", progress)
                .setParameter("id", id)
                .setParameter("worker", worker)
                .executeUpdate() == 1;
    }

    public boolean ready(String id, String worker, CorpusTokenizer.Summary s, ObjectStore.StoredObject train,
                         ObjectStore.StoredObject validation) {
        return em.createNativeQuery("""
                UPDATE corpus SET status = 'READY', progress = 1, stories = :stories, train_stories = :trainStories,
                       validation_stories = :validationStories, train_tokens = :trainTokens,
                       validation_tokens = :validationTokens, samples = :samples,
                       train_key = :trainKey, train_size = :trainSize, train_sha256 = :trainSha,
                       validation_key = :valKey, validation_size = :valSize, validation_sha256 = :valSha,
                       error = NULL, updated_at = now()
                WHERE id = :id AND claimed_by = :worker AND status = 'TOKENIZING'""")
                .setParameter("stories", s.stories())
                .setParameter("trainStories", s.trainStories())
                .setParameter("validationStories", s.validationStories())
                .setParameter("trainTokens", s.trainTokens())
                .setParameter("validationTokens", s.validationTokens())
                .setParameter("samples", Json.write(s.samples()))
                .setParameter("trainKey", train.key())
                .setParameter("trainSize", train.size())
                .setParameter("trainSha", train.sha256())
                .setParameter("valKey", validation.key())
                .setParameter("valSize", validation.size())
                .setParameter("valSha", validation.sha256())
                .setParameter("id", id)
                .setParameter("worker", worker)
                .executeUpdate() == 1;
    }

    public boolean failed(String id, String worker, String error) {
        return em.createNativeQuery("""
                UPDATE corpus SET status = 'FAILED', error = :error, updated_at = now()
                WHERE id = :id AND claimed_by = :worker AND status = 'TOKENIZING'""")
                .setParameter("error", error)
                .setParameter("id", id)
                .setParameter("worker", worker)
                .executeUpdate() == 1;
    }

    /** Back to QUEUED, to be tokenized again from its source. */
    public void requeue(String id) {
        em.createNativeQuery("""
                UPDATE corpus SET status = 'QUEUED', progress = 0, attempts = 0, claimed_by = NULL, error = NULL,
                       updated_at = now() WHERE id = :id""").setParameter("id", id).executeUpdate();
    }

    public Optional<CorpusRow> find(String id) {
        return rows("SELECT * FROM corpus WHERE id = :id", id).stream().findFirst();
    }

    public List<CorpusRow> list() {
        return rows("SELECT * FROM corpus ORDER BY created_at", null);
    }

    private List<CorpusRow> rows(String sql, String id) {
        var query = em.createNativeQuery(sql, Tuple.class);
        if (id != null) {
            query.setParameter("id", id);
        }
        @SuppressWarnings("unchecked")
        List<Tuple> tuples = query.getResultList();
        return tuples.stream().map(CorpusStore::row).toList();
    }

    private static CorpusRow row(Tuple t) {
        String samples = t.get("samples", String.class);
        return new CorpusRow(t.get("id", String.class), t.get("name", String.class),
                t.get("source_kind", String.class), t.get("source_format", String.class),
                t.get("source_ref", String.class), t.get("status", String.class),
                number(t.get("progress")).doubleValue(), number(t.get("attempts")).intValue(),
                longOrNull(t.get("stories")), longOrNull(t.get("train_stories")),
                longOrNull(t.get("validation_stories")), longOrNull(t.get("train_tokens")),
                longOrNull(t.get("validation_tokens")), samples == null ? null : strings(samples),
                t.get("train_key", String.class), longOrNull(t.get("train_size")),
                t.get("train_sha256", String.class), t.get("validation_key", String.class),
                longOrNull(t.get("validation_size")), t.get("validation_sha256", String.class),
                number(t.get("split_seed")).longValue(), t.get("owner", String.class), t.get("error", String.class),
                instant(t.get("created_at")), instant(t.get("updated_at")));
    }

    private static List<String> strings(String json) {
        try {
            return Json.MAPPER.readValue(json, STRINGS);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("corpus samples are not a JSON list", e);
        }
    }

    private static Number number(Object o) {
        return (Number) o;
    }

    private static Long longOrNull(Object o) {
        return o == null ? null : ((Number) o).longValue();
    }

    private static Instant instant(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof Instant i) {
            return i;
        }
        if (o instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        if (o instanceof java.sql.Timestamp ts) {
            return ts.toInstant();
        }
        throw new IllegalStateException("unexpected timestamp type " + o.getClass());
    }
}
