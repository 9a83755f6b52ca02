package org.interplab.core.model;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelKind;
import org.interplab.contracts.spec.ModelSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The ND4J side of each {@link ModelKind} (whose contracts entry holds parameter count, memory estimate, spec
 * validation and the analyses that apply): tensor names and shapes, seeded init, the tensors a checkpoint exports,
 * and the validation of a state dict (an upload) against a spec. Look up by kind, never by string switch.
 */
public final class ModelRegistry {

    /** One model kind's tensors. */
    public interface Entry {
        ModelKind kind();

        /** Parameter names (TransformerLens / paper names) and shapes, in state_dict order. */
        Map<String, long[]> shapes(ExperimentSpec spec);

        /** Fresh parameters, deterministic from the seed, in ND4J's default floating-point type. */
        Map<String, INDArray> init(ExperimentSpec spec, long seed);

        /** The tensors a checkpoint holds for these parameters (e.g. a tied transformer's derived W_U). */
        default Map<String, INDArray> exportWeights(ExperimentSpec spec, Map<String, INDArray> params) {
            return params;
        }

        /**
         * Checks a state dict (e.g. an uploaded checkpoint) against the spec: every required tensor present with
         * the shape the spec implies, optional ones (biases; LayerNorm weights) absent or with that shape, floating
         * point. Extra tensors are allowed.
         *
         * @throws IllegalArgumentException naming the tensor and both shapes, or the spec field that is wrong
         */
        void validateWeights(Map<String, INDArray> weights, ExperimentSpec spec);
    }

    private static final Map<ModelKind, Entry> ENTRIES = new EnumMap<>(ModelKind.class);

    static {
        ENTRIES.put(ModelKind.TRANSFORMER, new TransformerEntry());
        ENTRIES.put(ModelKind.TMS, new TmsEntry());
        ENTRIES.put(ModelKind.CIS, new CisEntry());
    }

    private ModelRegistry() {
    }

    public static Entry of(ModelKind kind) {
        return ENTRIES.get(kind);
    }

    /** @throws IllegalArgumentException for a spec without a model or with an unknown kind */
    public static Entry of(ExperimentSpec spec) {
        String kind = spec == null || spec.model() == null ? null : spec.model().kind();
        return of(ModelKind.of(kind).orElseThrow(() -> new IllegalArgumentException(
                "unknown model kind '" + kind + "'; one of " + ModelKind.ids())));
    }

    /**
     * Requires {@code name} with exactly {@code shape} (when {@code required}; else absent or that shape) and a
     * floating-point type.
     *
     * @throws IllegalArgumentException "missing tensor NAME, expected shape [..]" or "tensor NAME has shape [..],
     *                                  expected [..]"
     */
    public static void requireTensor(Map<String, INDArray> weights, String name, boolean required, long... shape) {
        INDArray w = weights.get(name);
        if (w == null) {
            if (required) {
                throw new IllegalArgumentException("missing tensor " + name + ", expected shape "
                        + Arrays.toString(shape));
            }
            return;
        }
        if (!Arrays.equals(w.shape(), shape)) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(w.shape())
                    + ", expected " + Arrays.toString(shape));
        }
        if (!w.dataType().isFPType()) {
            throw new IllegalArgumentException("tensor " + name + " has data type " + w.dataType()
                    + ", expected a floating type");
        }
    }

    /** @throws IllegalArgumentException "model.FIELD must be a positive integer, is V" */
    public static void requirePositive(String field, Integer value) {
        if (value == null || value <= 0) {
            throw new IllegalArgumentException("model." + field + " must be a positive integer, is " + value);
        }
    }

    private static ModelSpec model(ExperimentSpec spec, ModelKind kind) {
        ModelSpec m = spec == null ? null : spec.model();
        if (m == null || ModelKind.of(m.kind()).orElse(null) != kind) {
            throw new IllegalArgumentException("expected a model of kind '" + kind.id() + "', the spec's model is '"
                    + (m == null ? null : m.kind()) + "'");
        }
        return m;
    }

    private static final class TransformerEntry implements Entry {
        @Override
        public ModelKind kind() {
            return ModelKind.TRANSFORMER;
        }

        private static Transformer.Config config(ExperimentSpec spec) {
            ModelSpec m = model(spec, ModelKind.TRANSFORMER);
            String[] fields = {"nLayers", "nHeads", "dHead", "dModel", "nCtx", "dVocab"};
            Integer[] values = {m.nLayers(), m.nHeads(), m.dHead(), m.dModel(), m.nCtx(), m.dVocab()};
            for (int i = 0; i < fields.length; i++) {
                requirePositive(fields[i], values[i]);
            }
            return Transformer.Config.of(m);
        }

        @Override
        public Map<String, long[]> shapes(ExperimentSpec spec) {
            return Transformer.shapes(config(spec));
        }

        @Override
        public Map<String, INDArray> init(ExperimentSpec spec, long seed) {
            return Transformer.init(config(spec), seed);
        }

        @Override
        public Map<String, INDArray> exportWeights(ExperimentSpec spec, Map<String, INDArray> params) {
            return Transformer.exportWeights(config(spec), params);
        }

        /** Weight matrices are required; biases and LayerNorm weights optional; a tied model's W_U optional. */
        @Override
        public void validateWeights(Map<String, INDArray> weights, ExperimentSpec spec) {
            Transformer.Config c = config(spec);
            Map<String, long[]> shapes = new LinkedHashMap<>(Transformer.shapes(c));
            if (c.tiedEmbeddings()) {
                shapes.put("unembed.W_U", new long[] {c.dModel(), c.dVocabOut()});
            }
            shapes.forEach((name, shape) -> requireTensor(weights, name, Transformer.isRequired(name, c), shape));
        }
    }

    private static final class TmsEntry implements Entry {
        @Override
        public ModelKind kind() {
            return ModelKind.TMS;
        }

        @Override
        public Map<String, long[]> shapes(ExperimentSpec spec) {
            return Tms.shapes(Tms.Config.of(model(spec, ModelKind.TMS), spec.task()));
        }

        @Override
        public Map<String, INDArray> init(ExperimentSpec spec, long seed) {
            return Tms.init(Tms.Config.of(model(spec, ModelKind.TMS), spec.task()), seed);
        }

        /** W required, b_final optional; n_features from the task, or W's when the spec has no task. */
        @Override
        public void validateWeights(Map<String, INDArray> weights, ExperimentSpec spec) {
            ModelSpec m = model(spec, ModelKind.TMS);
            requirePositive("nInstances", m.nInstances());
            requirePositive("nHidden", m.nHidden());
            long features = features(weights, spec, "W", m.nInstances(), m.nHidden());
            requireTensor(weights, "W", true, m.nInstances(), features, m.nHidden());
            requireTensor(weights, "b_final", false, m.nInstances(), features);
        }
    }

    private static final class CisEntry implements Entry {
        @Override
        public ModelKind kind() {
            return ModelKind.CIS;
        }

        @Override
        public Map<String, long[]> shapes(ExperimentSpec spec) {
            return Cis.shapes(Cis.Config.of(model(spec, ModelKind.CIS), spec.task()));
        }

        @Override
        public Map<String, INDArray> init(ExperimentSpec spec, long seed) {
            return Cis.init(Cis.Config.of(model(spec, ModelKind.CIS), spec.task()), seed);
        }

        /** W1, W2 required, b1, b2 optional; n_features from the task (or W1), n_out from W2. */
        @Override
        public void validateWeights(Map<String, INDArray> weights, ExperimentSpec spec) {
            ModelSpec m = model(spec, ModelKind.CIS);
            requirePositive("nInstances", m.nInstances());
            requirePositive("nHidden", m.nHidden());
            long inst = m.nInstances(), hidden = m.nHidden();
            long features = features(weights, spec, "W1", inst, hidden);
            requireTensor(weights, "W1", true, inst, features, hidden);
            requireTensor(weights, "b1", false, inst, hidden);
            INDArray w2 = weights.get("W2");
            if (w2 == null) {
                throw new IllegalArgumentException("missing tensor W2, expected shape [" + inst + ", " + hidden
                        + ", n_out]");
            }
            if (w2.rank() != 3 || w2.size(0) != inst || w2.size(1) != hidden || w2.size(2) <= 0) {
                throw new IllegalArgumentException("tensor W2 has shape " + Arrays.toString(w2.shape())
                        + ", expected [" + inst + ", " + hidden + ", n_out]");
            }
            requireTensor(weights, "W2", true, inst, hidden, w2.size(2));
            requireTensor(weights, "b2", false, inst, w2.size(2));
        }
    }

    /** n_features: the task's, else the middle dimension of the 3-D tensor {@code name}. */
    private static long features(Map<String, INDArray> weights, ExperimentSpec spec, String name, long inst,
                                 long hidden) {
        Integer specFeatures = spec.task() == null ? null : spec.task().nFeatures();
        INDArray w = weights.get(name);
        if (w == null) {
            throw new IllegalArgumentException("missing tensor " + name + ", expected shape [" + inst + ", "
                    + (specFeatures == null ? "n_features" : specFeatures) + ", " + hidden + "]");
        }
        long features = specFeatures != null ? specFeatures : w.rank() == 3 ? w.size(1) : -1;
        if (features <= 0 || w.rank() != 3) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(w.shape())
                    + ", expected [" + inst + ", n_features, " + hidden + "]");
        }
        return features;
    }
}
