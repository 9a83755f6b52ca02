package org.interplab.core.model;

import java.util.Arrays;
import java.util.Map;
import org.interplab.core.task.Rng;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What the toy models (TMS, CiS) share: shape checks and seeded Gaussian init. */
final class Toys {
    private Toys() {
    }

    static void requireShape(Map<String, INDArray> params, String name, long[] shape) {
        INDArray p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("missing weight " + name + ", expected shape " + Arrays.toString(shape));
        }
        if (!Arrays.equals(p.shape(), shape)) {
            throw new IllegalArgumentException("weight " + name + " has shape " + Arrays.toString(p.shape())
                    + ", expected " + Arrays.toString(shape));
        }
    }

    /** N(0, std²) entries, deterministic from the generator, in ND4J's default floating-point type. */
    static INDArray gaussian(Rng rng, double std, long... shape) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian() * std;
        }
        return Nd4j.create(v, shape, Nd4j.defaultFloatingPointType());
    }
}
