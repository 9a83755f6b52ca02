package org.interplab.analysis.promptlab;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.interplab.analysis.client.TrainerClient;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.SafetensorsFile;
import org.interplab.core.model.Transformer;

/**
 * The transformers the prompt lab runs, read from the trainer's checkpoint API and kept for the last few asked for
 * (a researcher tries many inputs on one model). Absent biases and LayerNorm weights are what they mean in
 * TransformerLens (zeros, ones): an uploaded model may lack them.
 */
@ApplicationScoped
public class PromptModels {
    static final int KEEP = 3;

    @Inject
    @RestClient
    TrainerClient trainer;

    public record Loaded(Transformer model, ExperimentSpec spec) {
    }

    private final Map<UUID, Loaded> models = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Loaded> eldest) {
            return size() > KEEP;
        }
    };

    /** @throws IllegalArgumentException for a checkpoint that is not a transformer with its spec in the file */
    public Loaded model(UUID checkpointId) {
        synchronized (models) {
            Loaded cached = models.get(checkpointId);
            if (cached != null) {
                return cached;
            }
        }
        SafetensorsFile file = trainer.read(checkpointId);
        ExperimentSpec spec = CheckpointMetadata.isInterplab(file.metadata())
                ? CheckpointMetadata.fromMap(file.metadata()).spec() : null;
        if (spec == null || spec.model() == null || !"transformer".equals(spec.model().kind())) {
            throw new IllegalArgumentException("checkpoint " + checkpointId + " is not a transformer");
        }
        Transformer.Config cfg = Transformer.Config.of(spec.model());
        Loaded loaded = new Loaded(new Transformer(cfg, Transformer.withDefaults(cfg, file.tensors())), spec);
        synchronized (models) {
            models.put(checkpointId, loaded);
        }
        return loaded;
    }
}
