package org.interplab.core.train;

import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

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
 * <p>All weights live in one flat buffer (the named tensors are views into it), so an update is a dozen ND4J ops
 * however many tensors the model has. State is exported under {@code adam.m.<weight>} and {@code adam.v.<weight>}.
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
