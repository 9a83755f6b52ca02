package org.interplab.trainer.outbox;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.util.List;

/** The event_outbox table: rows in, oldest first out, deleted once the broker has them. */
@ApplicationScoped
@Transactional
public class EventOutbox {
    @Inject
    EntityManager em;

    public record Pending(long id, String channel, String key, String payload) {
    }

    public void add(String channel, String key, String payload) {
        em.createNativeQuery("INSERT INTO event_outbox (channel, msg_key, payload) VALUES (:c, :k, :p)")
                .setParameter("c", channel).setParameter("k", key).setParameter("p", payload)
                .executeUpdate();
    }

    /** The oldest pending events (publication order is insertion order, so per-key order holds). */
    public List<Pending> oldest(int limit) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(
                "SELECT id, channel, msg_key, payload FROM event_outbox ORDER BY id LIMIT :n")
                .setParameter("n", limit).getResultList();
        return rows.stream().map(r -> new Pending(((Number) r[0]).longValue(), (String) r[1], (String) r[2],
                (String) r[3])).toList();
    }

    public void sent(long id) {
        em.createNativeQuery("DELETE FROM event_outbox WHERE id = :id").setParameter("id", id).executeUpdate();
    }

    public long pendingCount() {
        return ((Number) em.createNativeQuery("SELECT count(*) FROM event_outbox").getSingleResult()).longValue();
    }
}
