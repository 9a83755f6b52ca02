package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TmsTask;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The TMS step on the CPU ({@code TmsKernel}: the per-example ReLU step with its block and Gram paths, and the fused
 * elementwise pass for the other activations) against an independent plain-loop forward and backward written from
 * the model's definition, in FLOAT and DOUBLE, with and without dropout and L1. The batch mixes dense instances
 * (block path), sparse ones (Gram path, many empty examples) and a length that leaves a short last block.
 */
class TmsFusedStepTest {
    private static final int FEATURES = 8;
    private static final int BATCH = 150;
    private static final List<Double> P = List.of(1.0, 0.6, 0.05, 0.01);

    @ParameterizedTest
    @CsvSource({
        "relu, FLOAT, 0, 0", "relu, FLOAT, 0.3, 0.1", "relu, FLOAT, 0, 0.2", "relu, DOUBLE, 0, 0",
        "relu, DOUBLE, 0.3, 0", "relu, DOUBLE, 0, 0.2", "relu, DOUBLE, 0.25, 0.15", "gelu, DOUBLE, 0.3, 0.1",
        "gelu, FLOAT, 0, 0", "gelu_new, DOUBLE, 0, 0.1"})
    void matchesAPlainLoop(String act, DataType dt, double dropout, double l1) {
        TaskSpec task = new TaskSpec("tms", null, null, null, null, FEATURES, null, 0.8, null, P);
        ModelSpec model = ToyGradientCheckTest.toyModel("tms", P.size(), 3, act, dropout == 0 ? null : dropout,
                l1 == 0 ? null : l1);
        Tms.Config cfg = Tms.Config.of(model, task);
        Rng rng = new Rng(17);
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("W", Nd4j.create(gaussian(rng, P.size() * FEATURES * 3, 0.6),
                new long[] {P.size(), FEATURES, 3}, 'c').castTo(dt));
        // a bias with both signs: some outputs alive for empty examples, some dead
        params.put("b_final", Nd4j.create(gaussian(rng, P.size() * FEATURES, 0.3),
                new long[] {P.size(), FEATURES}, 'c').castTo(dt));
        INDArray x = new TmsTask(task, P.size()).sample(BATCH, rng, dt);
        Tms tms = new Tms(cfg, params);
        INDArray mask = tms.dropoutMask(BATCH, rng);
        Tms.Output fused = tms.lossAndGradients(x, mask);
        Reference ref = reference(cfg, params, x, mask);
        double tol = dt == DataType.FLOAT ? 1e-5 : 1e-10;
        for (int i = 0; i < P.size(); i++) {
            assertEquals(ref.loss[i], fused.instanceLoss()[i], tol * Math.max(1, Math.abs(ref.loss[i])), "loss I" + i);
        }
        close(ref.dW, fused.grads().get("W"), tol, "dW");
        close(ref.db, fused.grads().get("b_final"), tol, "db");
        if ("relu".equals(act)) {
            assertNull(fused.out(), "the fused ReLU step forms no output");
        }
        // evaluation: the fused elementwise pass against the plain loop's output and loss (no dropout)
        Tms.Output eval = tms.loss(x);
        Reference evalRef = reference(cfg, params, x, null);
        close(evalRef.out, eval.out(), tol, "out");
        for (int i = 0; i < P.size(); i++) {
            assertEquals(evalRef.loss[i], eval.instanceLoss()[i], tol * Math.max(1, Math.abs(evalRef.loss[i])));
        }
    }

    private static float[] gaussian(Rng rng, int n, double sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (sd * rng.nextGaussian());
        }
        return v;
    }

    private static void close(double[] expected, INDArray actual, double tol, String what) {
        double[] a = actual.castTo(DataType.DOUBLE).reshape(actual.length()).toDoubleVector();
        assertEquals(expected.length, a.length, what);
        double scale = 0;
        for (double e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int k = 0; k < a.length; k++) {
            assertEquals(expected[k], a[k], tol * Math.max(1, scale), what + "[" + k + "]");
        }
    }

    private record Reference(double[] loss, double[] out, double[] dW, double[] db) {
    }

    /** The model's definition, one number at a time, in double. */
    private static Reference reference(Tms.Config cfg, Map<String, INDArray> params, INDArray xa, INDArray maskA) {
        int ni = cfg.nInstances(), nf = cfg.nFeatures(), nh = cfg.nHidden(), nb = (int) xa.size(1);
        double[] w = params.get("W").castTo(DataType.DOUBLE).reshape(ni * nf * nh).toDoubleVector();
        double[] bias = params.get("b_final").castTo(DataType.DOUBLE).reshape(ni * nf).toDoubleVector();
        double[] x = xa.castTo(DataType.DOUBLE).reshape(xa.length()).toDoubleVector();
        double[] mask = maskA == null ? null : maskA.castTo(DataType.DOUBLE).reshape(maskA.length()).toDoubleVector();
        double[] loss = new double[ni], out = new double[ni * nb * nf], dW = new double[w.length];
        double[] db = new double[bias.length];
        for (int i = 0; i < ni; i++) {
            for (int b = 0; b < nb; b++) {
                int row = (i * nb + b) * nf, mrow = (i * nb + b) * nh;
                double[] h = new double[nh], hd = new double[nh], dz = new double[nf];
                for (int k = 0; k < nh; k++) {
                    for (int j = 0; j < nf; j++) {
                        h[k] += x[row + j] * w[(i * nf + j) * nh + k];
                    }
                    hd[k] = mask == null ? h[k] : h[k] * mask[mrow + k];
                    loss[i] += cfg.l1() * Math.abs(h[k]) / nb;
                }
                for (int f = 0; f < nf; f++) {
                    double z = bias[i * nf + f];
                    for (int k = 0; k < nh; k++) {
                        z += hd[k] * w[(i * nf + f) * nh + k];
                    }
                    double o = act(cfg.act(), z), e = o - x[row + f];
                    out[row + f] = o;
                    loss[i] += cfg.importance()[f] * e * e / nb;
                    dz[f] = 2 * cfg.importance()[f] * e * slope(cfg.act(), z) / nb;
                    db[i * nf + f] += dz[f];
                }
                for (int k = 0; k < nh; k++) {
                    double dh = 0;
                    for (int f = 0; f < nf; f++) {
                        dW[(i * nf + f) * nh + k] += dz[f] * hd[k];
                        dh += dz[f] * w[(i * nf + f) * nh + k];
                    }
                    dh = (mask == null ? dh : dh * mask[mrow + k]) + cfg.l1() * Math.signum(h[k]) / nb;
                    for (int j = 0; j < nf; j++) {
                        dW[(i * nf + j) * nh + k] += x[row + j] * dh;
                    }
                }
            }
        }
        return new Reference(loss, out, dW, db);
    }

    private static double act(Activation a, double z) {
        return switch (a) {
            case RELU -> Math.max(z, 0);
            case GELU -> z * phi(z);
            case GELU_NEW -> 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z * z * z)));
        };
    }

    private static double slope(Activation a, double z) {
        return switch (a) {
            case RELU -> z > 0 ? 1 : 0;
            case GELU -> phi(z) + z * Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
            case GELU_NEW -> {
                double c = Math.sqrt(2 / Math.PI), t = Math.tanh(c * (z + 0.044715 * z * z * z));
                yield 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * c * (1 + 3 * 0.044715 * z * z);
            }
        };
    }

    /** Φ(z) through commons-math's erf (a different implementation from ND4J's). */
    private static double phi(double z) {
        return 0.5 * (1 + org.apache.commons.math3.special.Erf.erf(z / Math.sqrt(2)));
    }
}
