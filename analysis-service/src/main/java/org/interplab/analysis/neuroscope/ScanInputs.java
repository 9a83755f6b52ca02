package org.interplab.analysis.neuroscope;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.WebApplicationException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.interplab.analysis.client.CorpusClient;
import org.interplab.analysis.client.TrainerClient;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.checkpoint.SafetensorsFile;
import org.interplab.core.model.Transformer;
import org.interplab.core.neuroscope.Stories;

/**
 * What scans, neuron pages and the prompt lab read: models (from the trainer's checkpoint API) and corpus validation
 * splits (from its corpus API), each kept for the last two asked for — a scan's shards, a neuron page's views and a
 * researcher's prompts reuse them.
 */
@ApplicationScoped
public class ScanInputs {
    @Inject
    @RestClient
    TrainerClient trainer;
    @Inject
    @RestClient
    CorpusClient corpora;

    public record LoadedModel(Transformer model, ExperimentSpec spec) {
        public Map<String, org.nd4j.linalg.api.ndarray.INDArray> params() {
            return model.params();
        }
    }

    private final Map<UUID, LoadedModel> models = lru();
    private final Map<String, Stories> splits = lru();

    private static <K, V> Map<K, V> lru() {
        return new LinkedHashMap<>(4, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > 2;
            }
        };
    }

    /** The checkpoint as a transformer; its spec from the file's metadata, else {@code fallbackSpec} (JSON). */
    public LoadedModel model(UUID checkpointId, String fallbackSpec) {
        synchronized (models) {
            LoadedModel cached = models.get(checkpointId);
            if (cached != null) {
                return cached;
            }
        }
        SafetensorsFile file = trainer.read(checkpointId);
        ExperimentSpec spec = CheckpointMetadata.isInterplab(file.metadata())
                ? CheckpointMetadata.fromMap(file.metadata()).spec()
                : fallbackSpec == null ? null : Json.read(fallbackSpec, ExperimentSpec.class);
        if (spec == null || spec.model() == null || !"transformer".equals(spec.model().kind())) {
            throw new IllegalArgumentException("checkpoint " + checkpointId + " is not a transformer");
        }
        // absent biases and LayerNorm weights mean what they mean in TransformerLens (zeros, ones): an upload may lack them
        Transformer.Config cfg = Transformer.Config.of(spec.model());
        LoadedModel loaded = new LoadedModel(new Transformer(cfg, Transformer.withDefaults(cfg, file.tensors())), spec);
        synchronized (models) {
            models.put(checkpointId, loaded);
        }
        return loaded;
    }

    public Stories validation(String corpusId) {
        synchronized (splits) {
            Stories cached = splits.get(corpusId);
            if (cached != null) {
                return cached;
            }
        }
        byte[] bytes;
        try {
            bytes = corpora.split(corpusId, "validation");
        } catch (WebApplicationException e) {
            throw new IllegalArgumentException("corpus " + corpusId + ": validation split not available ("
                    + e.getResponse().getStatus() + ")");
        }
        Stories stories = Stories.fromUint16(bytes);
        synchronized (splits) {
            splits.put(corpusId, stories);
        }
        return stories;
    }
}
