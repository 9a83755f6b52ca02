package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adam and AdamW (in place, on flat views) against a plain-loop reference of the same update rule, 4 steps: DOUBLE
 * storage (the ND4J ops) and FLOAT storage (the fused pass), the latter also across its chunk boundaries.
 */
class AdamTest {
    @Test
    void adamAndAdamWMatchAPlainLoop() {
        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT})
        for (boolean decoupled : new boolean[] {false, true}) {
            double b1 = 0.9, b2 = 0.99, wd = 0.05, lr = 0.01;
            Map<String, INDArray> init = new LinkedHashMap<>();
            init.put("a", Nd4j.create(new double[][] {{0.5, -1.0, 2.0}, {0.0, 0.25, -0.75}}).castTo(dt));
            init.put("b", Nd4j.create(new double[] {1.5, -0.5}).castTo(dt));
            double[] ref = {0.5, -1.0, 2.0, 0.0, 0.25, -0.75, 1.5, -0.5};
            double[] m = new double[ref.length], v = new double[ref.length];
            Adam.FlatParams flat = new Adam.FlatParams(init);
            Adam adam = new Adam(flat, decoupled, b1, b2, wd);
            for (int t = 1; t <= 4; t++) {
                double[] g = new double[ref.length];
                for (int i = 0; i < g.length; i++) {
                    g[i] = Math.sin(7 * i + 3 * t) * (i + 1) / 4; // any gradient, different every step
                }
                Map<String, INDArray> grads = new LinkedHashMap<>();
                grads.put("a", Nd4j.create(new double[][] {{g[0], g[1], g[2]}, {g[3], g[4], g[5]}}).castTo(dt));
                grads.put("b", Nd4j.create(new double[] {g[6], g[7]}).castTo(dt));
                adam.step(grads, lr, t);
                for (int i = 0; i < ref.length; i++) {
                    double gi = decoupled ? g[i] : g[i] + wd * ref[i];
                    m[i] = b1 * m[i] + (1 - b1) * gi;
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                    if (decoupled) {
                        ref[i] *= 1 - lr * wd;
                    }
                    double mHat = m[i] / (1 - Math.pow(b1, t));
                    double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + Adam.EPS;
                    ref[i] -= lr * mHat / denom;
                }
                double[] got = flat.flat().castTo(DataType.DOUBLE).toDoubleVector();
                for (int i = 0; i < ref.length; i++) {
                    assertEquals(ref[i], got[i], dt == DataType.FLOAT ? 1e-5 : 1e-6,
                            dt + ", decoupled " + decoupled + ", step " + t + ", weight " + i);
                }
            }
        }
    }

    /** The fused FLOAT pass over 3 tensors of 5 000 weights (chunks of 2 048, a ragged last one) against doubles. */
    @Test
    void floatAdamWAcrossChunksMatchesAPlainLoop() {
        for (boolean decoupled : new boolean[] {false, true}) {
            double b1 = 0.9, b2 = 0.999, wd = 0.01, lr = 1e-3;
            int n = 5_000;
            Map<String, INDArray> init = new LinkedHashMap<>();
            double[] ref = new double[3 * n];
            for (int k = 0; k < 3; k++) {
                float[] w0 = new float[n];
                for (int i = 0; i < n; i++) {
                    w0[i] = (float) Math.cos(0.37 * (k * n + i));
                    ref[k * n + i] = w0[i];
                }
                init.put("w" + k, Nd4j.createFromArray(w0).reshape(50, 100));
            }
            double[] m = new double[ref.length], v = new double[ref.length];
            Adam.FlatParams flat = new Adam.FlatParams(init);
            Adam adam = new Adam(flat, decoupled, b1, b2, wd);
            for (int t = 1; t <= 4; t++) {
                Map<String, INDArray> grads = new LinkedHashMap<>();
                float[] all = new float[ref.length];
                for (int i = 0; i < all.length; i++) {
                    all[i] = (float) (Math.sin(0.11 * i + t) * (1 + i % 7));
                }
                for (int k = 0; k < 3; k++) {
                    float[] gk = java.util.Arrays.copyOfRange(all, k * n, (k + 1) * n);
                    grads.put("w" + k, Nd4j.createFromArray(gk).reshape(50, 100));
                }
                adam.step(grads, lr, t);
                for (int i = 0; i < ref.length; i++) {
                    double gi = decoupled ? all[i] : all[i] + wd * ref[i];
                    m[i] = b1 * m[i] + (1 - b1) * gi;
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                    if (decoupled) {
                        ref[i] *= 1 - lr * wd;
                    }
                    ref[i] -= lr * (m[i] / (1 - Math.pow(b1, t))) / (Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t))
                            + Adam.EPS);
                }
                float[] got = flat.flat().toFloatVector();
                for (int i = 0; i < ref.length; i++) {
                    assertEquals(ref[i], got[i], 2e-6, "decoupled " + decoupled + ", step " + t + ", weight " + i);
                }
            }
        }
    }
}
