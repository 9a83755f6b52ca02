package org.interplab.core.model.kernels;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The elementwise part of the TMS model's reconstruction loss and its backward, fused into one pass over
 * [n_instances, batch, n_features] on the CPU (the GEMMs around it stay with ND4J).
 *
 * <p>Why: ND4J ran this part as about ten separate elementwise ops, each with a fresh [I, B, F] temporary, two of
 * them broadcasts over the batch (bias, importance) and one a reduction along the batch (the bias gradient); at the
 * tms-sparsity shapes (20 × 1024 × 100) those took ≈ 60 % of the step. Here each block of rows is read once into
 * per-thread scratch through the arrays' NIO views (FLOAT or DOUBLE, computed in double), and written once.
 */
public final class TmsKernel {
    private static final ThreadLocal<double[]> SCRATCH = new ThreadLocal<>();
    /** Rows per block: four [rows, F] double blocks stay in L1/L2 and I/O calls stay few. */
    private static final int BLOCK_DOUBLES = 1 << 12;

    private TmsKernel() {
    }

    /** Whether the pass can run on these arrays: CPU backend (host memory), FLOAT or DOUBLE, all one type. */
    public static boolean supports(INDArray... arrays) {
        if (!Nd4j.getEnvironment().isCPU()) {
            return false;
        }
        DataType dt = arrays[0].dataType();
        if (dt != DataType.FLOAT && dt != DataType.DOUBLE) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a != null && a.dataType() != dt) {
                return false;
            }
        }
        return true;
    }

    /**
     * For instance i, example b, feature f (a [I, B, F], c order): with {@code bias} given, z = a + bias[i, f],
     * out = max(z, 0), d = [z &gt; 0] (ReLU); else out = a (already activated) and d = {@code deriv}. Then
     * e = out − x, the instance's loss Σ_b Σ_f importance_f·e² / B, and, when {@code dPre} is given,
     * dPre = 2·importance_f·e·d / B and {@code dBias}[i, f] = Σ_b dPre. {@code a} is overwritten with out.
     *
     * @param a      [I, B, F]: h·Wᵀ (ReLU: without the bias) or the activated output
     * @param bias   [I, F], or null when {@code a} is already the output
     * @param deriv  [I, B, F] act′(z) when {@code bias} is null, else ignored
     * @param dPre   [I, B, F] written (gradient wrt the pre-activation), or null for the loss only
     * @param dBias  [I, F] written, or null for the loss only
     * @return each instance's reconstruction loss
     */
    public static double[] reconstruction(INDArray a, INDArray bias, INDArray deriv, INDArray x,
                                          double[] importance, INDArray dPre, INDArray dBias) {
        int nInst = Math.toIntExact(a.size(0)), batch = Math.toIntExact(a.size(1));
        int f = Math.toIntExact(a.size(2));
        if (!Arrays.equals(a.shape(), x.shape()) || importance.length != f) {
            throw new IllegalArgumentException("shapes: a " + Arrays.toString(a.shape()) + ", x "
                    + Arrays.toString(x.shape()) + ", importance " + importance.length);
        }
        boolean relu = bias != null, grads = dPre != null;
        INDArray ac = DirectIo.contiguous(a);
        DirectIo aio = DirectIo.of(ac), xio = DirectIo.of(DirectIo.contiguous(x));
        DirectIo dio = relu ? null : DirectIo.of(DirectIo.contiguous(deriv));
        DirectIo bio = relu ? DirectIo.of(DirectIo.contiguous(bias)) : null;
        DirectIo gio = grads ? DirectIo.of(dPre) : null;
        DirectIo dbio = grads ? DirectIo.of(dBias) : null;
        double[] loss = new double[nInst];
        int rows = Math.max(1, Math.min(batch, BLOCK_DOUBLES / f));
        double scale = 2.0 / batch;
        KernelThreads.forRange(nInst, (long) batch * f * 8, (from, to) -> {
            // scratch: out | x | d | bias | dBias
            double[] s = DirectIo.scratch(SCRATCH, 3 * rows * f + 2 * f);
            int ox = rows * f, od = 2 * rows * f, ob = 3 * rows * f, odb = ob + f;
            for (int i = from; i < to; i++) {
                long base = (long) i * batch * f;
                if (relu) {
                    bio.read((long) i * f, s, ob, f);
                }
                Arrays.fill(s, odb, odb + f, 0.0);
                double sum = 0;
                for (int b0 = 0; b0 < batch; b0 += rows) {
                    int n = Math.min(rows, batch - b0) * f;
                    long at = base + (long) b0 * f;
                    aio.read(at, s, 0, n);
                    xio.read(at, s, ox, n);
                    if (!relu) {
                        dio.read(at, s, od, n);
                    }
                    for (int r = 0; r < n; r += f) {
                        for (int j = 0; j < f; j++) {
                            double out, d;
                            if (relu) {
                                double z = s[r + j] + s[ob + j];
                                out = z > 0 ? z : 0;
                                d = z > 0 ? 1 : 0;
                                s[r + j] = out;
                            } else {
                                out = s[r + j];
                                d = s[od + r + j];
                            }
                            double e = out - s[ox + r + j];
                            double we = importance[j] * e;
                            sum += we * e;
                            double g = scale * we * d;
                            s[od + r + j] = g;
                            s[odb + j] += g;
                        }
                    }
                    if (relu) {
                        aio.write(at, s, 0, n);
                    }
                    if (grads) {
                        gio.write(at, s, od, n);
                    }
                }
                loss[i] = sum / batch;
                if (grads) {
                    dbio.write((long) i * f, s, odb, f);
                }
            }
        });
        if (ac != a) {
            a.assign(ac);
        }
        return loss;
    }
}
