package org.interplab.dashboard.service;

import io.quarkus.panache.common.Sort;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.dashboard.entity.Experiment;
import org.interplab.dashboard.entity.ExperimentNote;
import org.interplab.dashboard.rest.ApiException;
import org.interplab.dashboard.security.Roles;

/**
 * What people do with a run after submitting it: rename, retag, annotate, archive, cancel. Only its owner or an
 * admin may (403 otherwise); each change records who and when.
 */
@ApplicationScoped
@Transactional
public class RunAnnotations {

    @Inject
    Limits limits;

    @Inject
    OutboxRelay outbox;

    /** The run, if the caller may change it: its owner, or an admin. */
    public Experiment editable(UUID id, SecurityIdentity caller) {
        Experiment e = Experiment.<Experiment>findByIdOptional(id)
                .filter(x -> x.archivedAt == null)
                .orElseThrow(() -> ApiException.notFound("no experiment " + id));
        if (!caller.hasRole(Roles.ADMIN) && !caller.getPrincipal().getName().equals(e.owner)) {
            throw new ForbiddenException("only its owner (" + e.owner + ") or an admin may change this run");
        }
        return e;
    }

    /** Renames and/or retags (null leaves a field as it is). */
    public Experiment edit(UUID id, String name, List<String> tags, SecurityIdentity caller) {
        Experiment e = editable(id, caller);
        if (name != null) {
            if (name.isBlank()) {
                throw ApiException.badRequest("a name cannot be empty", "name");
            }
            e.name = limits.name(name.strip(), "name");
        }
        if (tags != null) {
            e.tags = Json.write(limits.tags(tags.stream().map(String::strip).distinct().toList(), "tags"));
        }
        e.editedBy = caller.getPrincipal().getName();
        e.editedAt = Instant.now();
        return e;
    }

    /** Soft delete: hidden from lists and from GET, its checkpoints and analyses kept. */
    public void archive(UUID id, SecurityIdentity caller) {
        Experiment e = editable(id, caller);
        e.archivedAt = Instant.now();
        e.editedBy = caller.getPrincipal().getName();
        e.editedAt = e.archivedAt;
    }

    public ExperimentNote addNote(UUID id, String body, SecurityIdentity caller) {
        editable(id, caller);
        ExperimentNote note = new ExperimentNote();
        note.id = UUID.randomUUID();
        note.experimentId = id;
        note.author = caller.getPrincipal().getName();
        note.body = limits.note(body);
        note.createdAt = Instant.now();
        note.persist();
        return note;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ExperimentNote> notes(UUID id) {
        return ExperimentNote.list("experimentId", Sort.ascending("createdAt"), id);
    }

    /**
     * Cancels a run that is still in the outbox (never reached Kafka) right here: the event is withdrawn and the
     * run is CANCELLED. False when it was sent already, so that the trainer must be asked.
     */
    public boolean cancelUnsent(UUID id, SecurityIdentity caller) {
        Experiment e = editable(id, caller);
        if (e.status != RunStatus.QUEUED || !outbox.withdraw(id)) {
            return false;
        }
        e.status = RunStatus.CANCELLED;
        e.finishedAt = Instant.now();
        e.errorMessage = "cancelled by " + caller.getPrincipal().getName() + " before it reached the trainer";
        e.updatedAt = Instant.now();
        return true;
    }

    /** Records who uploaded a model. */
    public void ownUpload(UUID checkpointId, String owner) {
        org.interplab.dashboard.entity.CheckpointRecord.update("owner = ?1 where checkpointId = ?2", owner,
                checkpointId);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public long queuedBy(String owner) {
        return Experiment.count("owner = ?1 and status = ?2 and archivedAt is null", owner, RunStatus.QUEUED);
    }
}
