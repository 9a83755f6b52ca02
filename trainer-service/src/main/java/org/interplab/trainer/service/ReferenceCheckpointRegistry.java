package org.interplab.trainer.service;

import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.interplab.contracts.checkpoints.ReferenceCheckpoints;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.circuits.ReferenceModels;
import org.interplab.core.circuits.ReferenceModels.ReferenceModel;

/**
 * Registers the seeds' hand-built models as checkpoints at start-up (seed 003's two-head XOR construction, seed
 * 000's one-head OV-coherent construction) so that they are analysed like any other model and listed beside the
 * learned ones. Ids are name-based ({@link ReferenceCheckpoints#id}): every replica and every restart inserts the
 * same rows at most once. Announcing runs off the start-up thread so that a slow broker does not delay start-up;
 * anything stored but not announced (also uploads) is announced here.
 */
@ApplicationScoped
public class ReferenceCheckpointRegistry {
    @Inject
    CheckpointUploads uploads;

    private volatile CompletableFuture<Integer> done = new CompletableFuture<>();

    void onStart(@Observes StartupEvent startup) {
        done = CompletableFuture.supplyAsync(() -> {
            int created = registerAll();
            int announced = uploads.publishPending();
            Log.infof("reference checkpoints: %d new, %d announced", created, announced);
            return created;
        }).whenComplete((n, e) -> {
            if (e != null) {
                Log.error("registering the reference checkpoints failed; they are retried at the next start-up", e);
            }
        });
    }

    /** Completes when the start-up registration finished (with the number of checkpoints it created). */
    public CompletableFuture<Integer> startupRegistration() {
        return done;
    }

    /** Inserts every reference model that is not stored yet; returns how many were new. */
    public int registerAll() {
        int created = 0;
        for (Map.Entry<String, ReferenceModel> e : models().entrySet()) {
            UUID id = ReferenceCheckpoints.id(e.getKey());
            if (uploads.register(id, ReferenceCheckpoints.SOURCE_REFERENCE, e.getValue().weights(),
                    e.getValue().spec())) {
                created++;
                Log.infof("reference checkpoint %s registered as %s", e.getKey(), id);
            }
        }
        return created;
    }

    /**
     * The reference models by name, each with a complete spec: the construction's own (tags "reference",
     * "hand-built") with the training section of the preset it solves, so that it validates and re-trains like one.
     */
    public static Map<String, ReferenceModel> models() {
        Map<String, ReferenceModel> models = new LinkedHashMap<>();
        models.put(ReferenceCheckpoints.XOR, complete(ReferenceModels.xorConstruction(), "xor"));
        models.put(ReferenceCheckpoints.OV_COHERENT_ONE_HEAD,
                complete(ReferenceModels.ovCoherentOneHead(), "ov-coherent-1head"));
        return models;
    }

    private static ReferenceModel complete(ReferenceModel model, String preset) {
        ExperimentSpec s = model.spec();
        ExperimentSpec withTraining = new ExperimentSpec(s.name(), s.task(), s.model(),
                Presets.expand(preset, null, null).training(), s.seed(), s.tags());
        return new ReferenceModel(model.weights(), withTraining);
    }
}
