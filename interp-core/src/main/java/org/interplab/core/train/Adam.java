package org.interplab.core.train;

import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam and AdamW as in PyTorch. Adam folds weight decay into the gradient (L2: g += wd·w); AdamW decays the weights
 * separately from the Adam update (w −= lr·wd·w, then the Adam step). Bias-corrected moments, eps outside the root.
 *
 * <p>All weights live in one flat buffer (the named tensors are views into it). For FLOAT storage (what training uses)
 * the update is one fused pass over the four buffers in L1-sized chunks (read w, g, m, v; write w, m, v), instead of
 * about fifteen full passes of ND4J ops: at the LM's 6.5 M parameters those passes took 62–66 ms of a ≈ 610 ms step
 * (h-lm's profile, docs/benchmarks.md). DOUBLE storage (the gradient checks) keeps the ND4J ops, which compute the
 * same rule; {@code AdamTest} checks both against one plain loop. State is exported under {@code adam.m.<weight>} and {@code adam.v.<weight>}.
 */
public final class Adam {
    public static final double EPS = 1e-8;

    private final boolean decoupled;
    private final double beta1;
    private final double beta2;
    private final double weightDecay;
    private final FlatParams params;
    private final INDArray m;
    private final INDArray v;
    private final INDArray flatGrad;
    /** Scratch of the parameters' size: the update allocates nothing (fresh off-heap buffers are slow in ND4J). */
    private final INDArray scratch;

    public Adam(FlatParams params, boolean decoupled, double beta1, double beta2, double weightDecay) {
        this.params = params;
        this.decoupled = decoupled;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.weightDecay = weightDecay;
        this.m = params.flat().ulike().assign(0);
        this.v = params.flat().ulike().assign(0);
        this.flatGrad = params.flat().ulike();
        this.scratch = params.flat().ulike();
    }

    /** A detached float32 copy of the moments, by name. */
    public Map<String, INDArray> exportState() {
        Map<String, INDArray> out = new LinkedHashMap<>();
        params.layout().forEach((name, slot) -> {
            out.put("adam.m." + name, slot.of(m).castTo(DataType.FLOAT).dup('c'));
            out.put("adam.v." + name, slot.of(v).castTo(DataType.FLOAT).dup('c'));
        });
        return out;
    }

    /** Restores moments saved by {@link #exportState()}; missing entries stay 0. */
    public void load(Map<String, INDArray> saved) {
        params.layout().forEach((name, slot) -> {
            INDArray sm = saved.get("adam.m." + name);
            INDArray sv = saved.get("adam.v." + name);
            if (sm != null) {
                slot.of(m).assign(sm.castTo(m.dataType()).reshape(slot.shape()));
            }
            if (sv != null) {
                slot.of(v).assign(sv.castTo(v.dataType()).reshape(slot.shape()));
            }
        });
    }

    /** One update of every weight in place. {@code t} is the 1-based number of this update (bias correction). */
    public void step(Map<String, INDArray> grads, double lr, long t) {
        params.gather(grads, flatGrad);
        INDArray w = params.flat();
        if (w.dataType() == DataType.FLOAT) {
            fusedFloatStep(lr, 1 - Math.pow(beta1, t), 1 - Math.pow(beta2, t));
            return;
        }
        INDArray g = flatGrad;
        if (weightDecay != 0 && !decoupled) {
            g.addi(scratch.assign(w).muli(weightDecay));
        }
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2 = 1 - Math.pow(beta2, t);
        m.muli(beta1).addi(scratch.assign(g).muli(1 - beta1));
        v.muli(beta2).addi(g.muli(g).muli(1 - beta2)); // g is spent: it becomes the denominator below
        if (weightDecay != 0 && decoupled) {
            w.muli(1 - lr * weightDecay);
        }
        INDArray denom = Transforms.sqrt(g.assign(v), false).divi(Math.sqrt(bc2)).addi(EPS);
        w.subi(scratch.assign(m).divi(denom).muli(lr / bc1));
    }

    private static final int CHUNK = 2048;
    private final float[][] chunk = new float[4][CHUNK];

    /**
     * The update rule of {@link #step} as one pass over FLOAT buffers, with the same operations in the same order:
     * g' = g + wd·w (Adam only), m = β1·m + (1−β1)·g', v = β2·v + (1−β2)·g'², w = w·(1 − lr·wd) (AdamW only),
     * w −= (m / (√v / √bc2 + eps)) · lr/bc1. The loop body has no branch, so C2 vectorises it.
     */
    private void fusedFloatStep(double lr, double bc1, double bc2) {
        FloatBuffer wb = params.flat().data().asNioFloat();
        FloatBuffer gb = flatGrad.data().asNioFloat();
        FloatBuffer mb = m.data().asNioFloat();
        FloatBuffer vb = v.data().asNioFloat();
        int wo = Math.toIntExact(params.flat().offset()), go = Math.toIntExact(flatGrad.offset());
        int mo = Math.toIntExact(m.offset()), vo = Math.toIntExact(v.offset());
        float b1 = (float) beta1, c1 = (float) (1 - beta1), b2 = (float) beta2, c2 = (float) (1 - beta2);
        float l2 = decoupled ? 0f : (float) weightDecay;
        float decay = decoupled ? (float) (1 - lr * weightDecay) : 1f;
        float sqrtBc2 = (float) Math.sqrt(bc2), eps = (float) EPS, stepSize = (float) (lr / bc1);
        float[] w = chunk[0], g = chunk[1], mm = chunk[2], vv = chunk[3];
        long n = params.flat().length();
        for (long from = 0; from < n; from += CHUNK) {
            int len = (int) Math.min(CHUNK, n - from);
            int at = Math.toIntExact(from);
            wb.get(wo + at, w, 0, len);
            gb.get(go + at, g, 0, len);
            mb.get(mo + at, mm, 0, len);
            vb.get(vo + at, vv, 0, len);
            for (int i = 0; i < len; i++) {
                float gi = g[i] + l2 * w[i];
                mm[i] = b1 * mm[i] + c1 * gi;
                vv[i] = b2 * vv[i] + c2 * (gi * gi);
                float denom = (float) Math.sqrt(vv[i]) / sqrtBc2 + eps;
                w[i] = w[i] * decay - (mm[i] / denom) * stepSize;
            }
            wb.put(wo + at, w, 0, len);
            mb.put(mo + at, mm, 0, len);
            vb.put(vo + at, vv, 0, len);
        }
    }

    /** Named weights stored as views into one flat vector. */
    public static final class FlatParams {
        private final INDArray flat;
        private final Map<String, Slot> layout = new LinkedHashMap<>();
        private final Map<String, INDArray> views = new LinkedHashMap<>();

        record Slot(long from, long to, long[] shape) {
            INDArray of(INDArray flatVector) {
                return flatVector.get(interval(from, to)).reshape(shape);
            }
        }

        /** Copies the given weights into a flat buffer; {@link #views()} then replaces them. */
        public FlatParams(Map<String, INDArray> weights) {
            long total = 0;
            for (Map.Entry<String, INDArray> e : weights.entrySet()) {
                long len = e.getValue().length();
                layout.put(e.getKey(), new Slot(total, total + len, e.getValue().shape()));
                total += len;
            }
            DataType dt = weights.values().iterator().next().dataType();
            flat = Nd4j.create(dt, total);
            layout.forEach((name, slot) -> {
                INDArray view = slot.of(flat);
                view.assign(weights.get(name));
                views.put(name, view);
            });
            // a reshaped contiguous slice must be a view, or updates would not reach the model; probe each one
            // without changing any value
            layout.forEach((name, slot) -> {
                INDArray view = views.get(name).reshape(slot.to() - slot.from());
                double original = flat.getDouble(slot.from());
                flat.putScalar(slot.from(), original + 1);
                boolean shared = view.getDouble(0) != original;
                flat.putScalar(slot.from(), original);
                if (!shared) {
                    throw new IllegalStateException("ND4J returned a copy for the slice of " + name);
                }
            });
        }

        public INDArray flat() {
            return flat;
        }

        public Map<String, INDArray> views() {
            return views;
        }

        Map<String, Slot> layout() {
            return layout;
        }

        void gather(Map<String, INDArray> grads, INDArray into) {
            layout.forEach((name, slot) -> slot.of(into).assign(grads.get(name)));
        }
    }
}
