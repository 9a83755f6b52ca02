package org.interplab.analysis.neuroscope;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.interplab.analysis.config.NeuroscopeConfig;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.core.corpus.Gpt2Tokenizer;
import org.interplab.core.neuroscope.ScanSettings;

/** Queues scans (after training, or on request) and finds the scan a neuron page reads. */
@ApplicationScoped
public class NeuroscopeService {
    @Inject
    ScanStore store;
    @Inject
    NeuroscopeConfig config;

    public ScanParams defaultParams() {
        return new ScanParams(ScanSettings.defaults(), config.storiesPerBatch(), config.groupsPerShard(),
                config.maxTokens());
    }

    /** A transformer language model on the GPT-2 vocabulary with MLP neurons: what a Neuroscope scans. */
    public static boolean isScannableLm(ExperimentSpec spec) {
        ModelSpec m = spec == null ? null : spec.model();
        return m != null && "transformer".equals(m.kind()) && m.dVocab() != null
                && m.dVocab() == Gpt2Tokenizer.VOCAB && m.dMlp() != null && m.dMlp() > 0
                && !Boolean.TRUE.equals(m.attnOnly());
    }

    /**
     * After training: the final checkpoint of a trained LM (one with an experiment) gets a scan of its corpus (or the
     * default one). An uploaded or imported model (no experiment) is scanned on request.
     */
    public Optional<ScanStore.Enqueued> onCheckpoint(CheckpointPublished event) {
        if (!config.autoScan() || !event.finalCheckpoint() || event.experimentId() == null
                || !isScannableLm(event.spec())) {
            return Optional.empty();
        }
        String corpus = event.spec().task() != null && event.spec().task().corpus() != null
                ? event.spec().task().corpus() : config.defaultCorpus();
        return Optional.of(store.enqueue(event.checkpointId(), corpus, Json.write(event.spec()), defaultParams()));
    }

    public ScanStore.Enqueued request(UUID checkpointId, String corpusId, ScanParams params) {
        return store.enqueue(checkpointId, corpusId == null ? config.defaultCorpus() : corpusId, null,
                params == null ? defaultParams() : params);
    }

    /** The completed scan to read: of the named corpus, else of the default corpus, else any completed one. */
    public Optional<ScanStore.Scan> completedScan(UUID checkpointId, String corpusId) {
        List<ScanStore.Scan> scans = store.forCheckpoint(checkpointId).stream()
                .filter(s -> "COMPLETED".equals(s.status())).toList();
        String wanted = corpusId == null ? config.defaultCorpus() : corpusId;
        return scans.stream().filter(s -> s.corpusId().equals(wanted)).findFirst()
                .or(() -> corpusId == null ? scans.stream().findFirst() : Optional.empty());
    }
}
