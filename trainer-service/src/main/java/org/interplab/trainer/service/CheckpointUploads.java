package org.interplab.trainer.service;

import com.fasterxml.jackson.databind.JsonMappingException;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.interplab.contracts.Json;
import org.interplab.contracts.checkpoints.ReferenceCheckpoints;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.FieldError;
import org.interplab.contracts.spec.Presets;
import org.interplab.contracts.spec.SpecValidator;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.contracts.spec.TaskShapes;
import org.interplab.contracts.spec.TrainingSpec;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.checkpoint.SafetensorsFile;
import org.interplab.core.checkpoint.SafetensorsFormatException;
import org.interplab.core.checkpoint.hf.GptNeoConfig;
import org.interplab.core.checkpoint.hf.GptNeoImport;
import org.interplab.core.checkpoint.hf.HfFormatException;
import org.interplab.core.model.ModelRegistry;
import org.interplab.core.train.Trainer;
import org.interplab.trainer.config.TrainerConfig;
import org.interplab.trainer.rest.BadRequest;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Models that were not trained here: an uploaded safetensors file with its spec, and the hand-built reference
 * models. Each is checked like a trained checkpoint would be (file format, spec, every tensor's name and shape
 * against the spec) before anything is stored, then stored, then announced with CheckpointPublished (experimentId
 * null, keyed by checkpoint id) so that it gets the same analysis as a trained run.
 */
@ApplicationScoped
public class CheckpointUploads {
    /**
     * An uploaded model's spec need not say how it was trained; validation substitutes this for a missing
     * training section (batch 1: the memory check then counts the weights only).
     */
    static final TrainingSpec PLACEHOLDER_TRAINING = new TrainingSpec("adam", 1e-3, 0.0, null, null, "constant", null,
            1, 1, 1, null, null);
    private static final Pattern TENSOR = Pattern.compile("tensor (\\S+?)(?:,|\\s|$)");

    @Inject
    CheckpointStore store;
    @Inject
    TrainingEvents events;
    @Inject
    TrainerConfig config;

    /** What was stored; {@code published} is false when Kafka did not take the event (it is sent again later). */
    public record Stored(UUID checkpointId, String source, String name, long step, Map<String, Double> metrics,
                         List<String> tensors, long sizeBytes, boolean published, ExperimentSpec spec) {
    }

    /**
     * Validates and stores an uploaded file. The spec is the {@code spec} part (JSON), else the {@code preset}
     * named, else the one in the file's own interplab {@code __metadata__}.
     *
     * @throws BadRequest naming {@code file}, {@code spec[.path]}, {@code preset} or the offending tensor
     */
    public Stored upload(byte[] file, String fileName, String specJson, String preset) {
        if (file == null || file.length == 0) {
            return upload((Path) null, fileName, specJson, preset);
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile("upload-", ".safetensors");
            Files.write(tmp, file);
            return upload(tmp, fileName, specJson, preset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                tmp.toFile().delete();
            }
        }
    }

    /** As {@link #upload(byte[], String, String, String)}, for a file on disk (read without one whole-file array). */
    public Stored upload(Path file, String fileName, String specJson, String preset) {
        SafetensorsFile parsed;
        try {
            if (file == null || Files.size(file) == 0) {
                throw new BadRequest("file", "is required: a .safetensors file as multipart part 'file'");
            }
            parsed = Safetensors.read(file);
        } catch (SafetensorsFormatException e) {
            throw new BadRequest("file", "not a valid safetensors file: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        CheckpointMetadata own = null;
        if (CheckpointMetadata.isInterplab(parsed.metadata())) {
            try {
                own = CheckpointMetadata.fromMap(parsed.metadata());
            } catch (SafetensorsFormatException e) {
                throw new BadRequest("file", e.getMessage());
            }
        }
        ExperimentSpec spec = resolveSpec(specJson, preset, own);
        validateSpec(spec);
        validateTensors(parsed.tensors(), spec);
        Map<String, Double> metrics = metricsOf(spec, parsed.tensors());
        long step = own == null ? 0 : own.step();
        UUID id = UUID.randomUUID();
        Map<String, String> metadata = metadata(spec, step, metrics, ReferenceCheckpoints.SOURCE_UPLOADED, fileName);
        if (floats(parsed)) {
            // rewritten with this project's __metadata__ (spec, step, metrics)
            store.saveExternal(id, ReferenceCheckpoints.SOURCE_UPLOADED, step, parsed.tensors(), metadata);
        } else {
            store.saveExternal(id, ReferenceCheckpoints.SOURCE_UPLOADED, step, file, metadata);
        }
        long size = store.info(id).orElseThrow().sizeBytes();
        Log.infof("uploaded checkpoint %s stored (%s, %d tensors, %d bytes)", id, nameOf(spec, fileName),
                parsed.tensors().size(), size);
        boolean published = publish(id, spec, step, metrics);
        return new Stored(id, ReferenceCheckpoints.SOURCE_UPLOADED, nameOf(spec, fileName), step, metrics,
                List.copyOf(parsed.tensors().keySet()), size, published, spec);
    }

    /**
     * Imports a Hugging Face GPT-Neo model: {@code model} is {@code pytorch_model.bin} (a torch.save zip, read by a
     * restricted pickle reader that executes nothing) or {@code model.safetensors}, spooled to a file by the caller;
     * {@code configJson} is its {@code config.json}. The weights are converted to TransformerLens names and shapes,
     * checked, stored as an uploaded checkpoint (task {@code lm}, no training section) and announced for analysis.
     *
     * @throws BadRequest naming {@code config} or {@code model} with the defect; nothing is stored then
     */
    public Stored importGptNeo(Path model, String modelFileName, byte[] configJson, String name) {
        if (configJson == null || configJson.length == 0) {
            throw new BadRequest("config", "is required: the model's config.json as multipart part 'config'");
        }
        if (model == null) {
            throw new BadRequest("model", "is required: pytorch_model.bin or model.safetensors as multipart part "
                    + "'model'");
        }
        GptNeoConfig config;
        try {
            config = GptNeoConfig.parse(configJson);
        } catch (HfFormatException e) {
            throw new BadRequest("config", e.getMessage());
        }
        GptNeoImport.Imported imported;
        try {
            imported = GptNeoImport.read(model, config);
        } catch (HfFormatException e) {
            throw new BadRequest("model", e.getMessage());
        }
        String specName = name != null && !name.isBlank() ? name.strip()
                : modelFileName != null && !modelFileName.isBlank() ? modelFileName : "gpt-neo import";
        ExperimentSpec spec = new ExperimentSpec(specName, TaskSpec.of("lm"), imported.model(), null, null,
                List.of("huggingface", "gpt-neo"));
        validateTensors(imported.weights(), spec);
        UUID id = UUID.randomUUID();
        Map<String, String> metadata = metadata(spec, 0, Map.of(), ReferenceCheckpoints.SOURCE_UPLOADED,
                modelFileName);
        metadata.put("import", "huggingface-gpt-neo/" + imported.format());
        store.saveExternal(id, ReferenceCheckpoints.SOURCE_UPLOADED, 0, imported.weights(), metadata);
        long size = store.info(id).orElseThrow().sizeBytes();
        Log.infof("imported GPT-Neo %s as checkpoint %s (%s, %d tensors, %d bytes)", specName, id,
                imported.format(), imported.weights().size(), size);
        boolean published = publish(id, spec, 0, Map.of());
        return new Stored(id, ReferenceCheckpoints.SOURCE_UPLOADED, specName, 0, Map.of(),
                List.copyOf(imported.weights().keySet()), size, published, spec);
    }

    /**
     * Stores a model built by the project unless a checkpoint with this id exists; returns whether it was new.
     * The caller announces it ({@link #publishPending}).
     */
    public boolean register(UUID id, String source, Map<String, INDArray> weights, ExperimentSpec spec) {
        validateTensors(weights, spec);
        Map<String, Double> metrics = metricsOf(spec, weights);
        Map<String, String> metadata = metadata(spec, 0, metrics, source, null);
        return store.saveExternal(id, source, 0, weights, metadata);
    }

    /** Announces every uploaded or reference checkpoint stored but not announced yet; returns how many went out. */
    public int publishPending() {
        int sent = 0;
        for (UUID id : store.unpublishedExternal()) {
            CheckpointMetadata m = store.metadata(id).orElse(null);
            if (m != null && publish(id, m.spec(), m.step(), m.metrics())) {
                sent++;
            }
        }
        return sent;
    }

    private boolean publish(UUID id, ExperimentSpec spec, long step, Map<String, Double> metrics) {
        try {
            events.checkpoint(new CheckpointPublished(id, null, step, true, metrics, spec, Instant.now()));
            store.markPublished(id);
            return true;
        } catch (RuntimeException e) {
            Log.warnf(e, "checkpoint %s is stored but could not be announced on Kafka; it is retried at start-up", id);
            return false;
        }
    }

    private ExperimentSpec resolveSpec(String specJson, String preset, CheckpointMetadata own) {
        if (specJson != null && !specJson.isBlank()) {
            if (preset != null && !preset.isBlank()) {
                throw new BadRequest("preset", "give either 'spec' or 'preset', not both");
            }
            try {
                return Json.MAPPER.readValue(specJson, ExperimentSpec.class);
            } catch (JsonMappingException e) {
                String path = e.getPath().stream()
                        .map(r -> r.getFieldName() != null ? r.getFieldName() : String.valueOf(r.getIndex()))
                        .collect(Collectors.joining("."));
                throw new BadRequest(path.isEmpty() ? "spec" : "spec." + path, "cannot read the spec: "
                        + e.getOriginalMessage());
            } catch (Exception e) {
                throw new BadRequest("spec", "the spec is not JSON: " + e.getMessage());
            }
        }
        if (preset != null && !preset.isBlank()) {
            try {
                return Presets.expand(preset.strip(), null, null);
            } catch (Presets.UnknownPresetException e) {
                throw new BadRequest("preset", e.getMessage());
            }
        }
        if (own != null && own.spec() != null) {
            return own.spec();
        }
        throw new BadRequest("spec", "is required: an ExperimentSpec as JSON in part 'spec', or a preset name in "
                + "part 'preset' (the file's __metadata__ has no interplab spec)");
    }

    /** The spec's errors, with its training and seed made optional (an upload's analysis needs neither). */
    static void validateSpec(ExperimentSpec spec) {
        ExperimentSpec checked = new ExperimentSpec(spec.name(), spec.task(), spec.model(),
                spec.training() == null ? PLACEHOLDER_TRAINING : spec.training(),
                spec.seed() == null ? 0L : spec.seed(), spec.tags());
        List<FieldError> errors = SpecValidator.validate(checked);
        if (errors.stream().anyMatch(e -> e.field().startsWith("training"))) {
            // the training section is irrelevant to the model: check the rest with the placeholder
            checked = new ExperimentSpec(checked.name(), checked.task(), checked.model(), PLACEHOLDER_TRAINING,
                    checked.seed(), checked.tags());
            errors = SpecValidator.validate(checked);
        }
        if (!errors.isEmpty()) {
            FieldError first = errors.get(0);
            throw new BadRequest("spec." + first.field(), first.field() + " " + first.error()
                    + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""));
        }
    }

    /** Every tensor the analysis reads must exist with the shape the spec implies; the error names the tensor. */
    static void validateTensors(Map<String, INDArray> weights, ExperimentSpec spec) {
        try {
            ModelRegistry.of(spec).validateWeights(weights, spec);
        } catch (BadRequest e) {
            throw e;
        } catch (IllegalArgumentException e) {
            Matcher tensor = TENSOR.matcher(e.getMessage() == null ? "" : e.getMessage());
            throw new BadRequest(tensor.find() ? tensor.group(1) : "spec.model", e.getMessage());
        }
    }

    /** Test metrics of the model on its task, when the task is one this service can evaluate; else none. */
    static Map<String, Double> metricsOf(ExperimentSpec spec, Map<String, INDArray> weights) {
        if (spec.task() == null || TaskShapes.of(spec.task()) == null) {
            return Map.of();
        }
        TrainingSpec t = spec.training();
        ExperimentSpec runnable = new ExperimentSpec(spec.name(), spec.task(), spec.model(),
                t == null || t.batchSize() == null ? PLACEHOLDER_TRAINING : t, spec.seed() == null ? 0L : spec.seed(),
                spec.tags());
        try {
            return new LinkedHashMap<>(Trainer.evaluate(runnable, weights));
        } catch (RuntimeException e) {
            Log.warnf("cannot evaluate %s on its task: %s", spec.name(), e.getMessage());
            return Map.of();
        }
    }

    /**
     * Whether the file is stored rewritten with this project's {@code __metadata__} (spec, step, metrics): when every
     * tensor is float32/float64 (F16/BF16 are read as float32); else the uploaded bytes are stored unchanged.
     */
    private static boolean floats(SafetensorsFile parsed) {
        return parsed.tensors().values().stream()
                .allMatch(a -> a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE);
    }

    private static Map<String, String> metadata(ExperimentSpec spec, long step, Map<String, Double> metrics,
                                                String source, String fileName) {
        Map<String, String> map = new LinkedHashMap<>(
                new CheckpointMetadata(spec, step, metrics, spec.seed(), null, null).toMap());
        map.put("source", source);
        if (fileName != null && !fileName.isBlank()) {
            map.put("file_name", fileName);
        }
        return map;
    }

    private static String nameOf(ExperimentSpec spec, String fileName) {
        if (spec.name() != null && !spec.name().isBlank()) {
            return spec.name();
        }
        return fileName != null && !fileName.isBlank() ? fileName : spec.model().kind();
    }
}
