package org.interplab.analysis.service;

import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.interplab.analysis.client.TrainerClient;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.AnalysisCompleted;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.Topics;
import org.interplab.core.checkpoint.SafetensorsFile;
import org.interplab.core.circuits.CircuitAnalysis;
import org.interplab.core.circuits.CircuitTable;
import org.interplab.core.circuits.TableResult;
import org.interplab.service.EventKey;

/** Turns a checkpoint into circuit tables: fetch from the trainer, compute with interp-core, store, announce. */
@ApplicationScoped
public class AnalysisService {
    @Inject
    @RestClient
    TrainerClient trainer;
    @Inject
    AnalysisStore store;
    @Inject
    @Channel("analysis-completed")
    MutinyEmitter<String> completed;
    @Inject
    EventKey key;

    /** A table built across the run's checkpoints; its failure is recorded like any table's. */
    private static TableResult acrossSteps(String name, java.util.function.Supplier<CircuitTable> table) {
        try {
            return TableResult.ok(table.get());
        } catch (RuntimeException e) {
            return TableResult.failed(name, e);
        }
    }

    public void analyse(CheckpointPublished event) {
        UUID checkpointId = event.checkpointId();
        if (store.isComplete(checkpointId)) {
            // stored before, perhaps without the announcement going out (broker down, crash): announce again
            var index = store.index(checkpointId);
            announce(event, index.stream().filter(t -> t.error == null).map(t -> t.name).toList(),
                    index.stream().filter(t -> t.error != null).map(t -> t.name).toList());
            Log.debugf("checkpoint %s already analysed; announced again", checkpointId);
            return;
        }
        long started = System.nanoTime();
        SafetensorsFile file = trainer.read(checkpointId);
        List<TableResult> results = new ArrayList<>(CircuitAnalysis.analyse(file.tensors(), event.spec()));
        results.stream().filter(r -> r.table() != null && "dims_per_feature".equals(r.name())).findFirst()
                .filter(r -> event.experimentId() != null)
                .ifPresent(dims -> results.add(acrossSteps(SuperpositionOverSteps.NAME,
                        () -> SuperpositionOverSteps.build(store, event.experimentId(), event.checkpointId(),
                                event.step(), dims.table()))));
        results.stream().filter(r -> r.table() != null && PolysemanticityOverSteps.SOURCE.equals(r.name()))
                .findFirst().filter(r -> event.experimentId() != null)
                .ifPresent(poly -> results.add(acrossSteps(PolysemanticityOverSteps.NAME,
                        () -> PolysemanticityOverSteps.build(store, event.experimentId(), event.checkpointId(),
                                event.step(), poly.table()))));
        store.save(checkpointId, event.experimentId(), event.step(), results);
        List<String> ok = results.stream().filter(r -> r.error() == null).map(TableResult::name).toList();
        List<String> failed = results.stream().filter(r -> r.error() != null).map(TableResult::name).toList();
        announce(event, ok, failed);
        Log.infof("analysed checkpoint %s (step %d): %d tables, %d failed, %.0f ms", checkpointId, event.step(),
                ok.size(), failed.size(), (System.nanoTime() - started) / 1e6);
    }

    private void announce(CheckpointPublished event, List<String> ok, List<String> failed) {
        UUID partitionKey = event.experimentId() != null ? event.experimentId() : event.checkpointId();
        String payload = Json.write(
                new AnalysisCompleted(event.checkpointId(), event.experimentId(), ok, failed, Instant.now()));
        // signed, so the dashboard can refuse an analysis.completed that this service never wrote
        completed.sendMessageAndAwait(key.record(Topics.ANALYSIS_COMPLETED, partitionKey.toString(), payload));
    }
}
