package org.interplab.core.model;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One lossAndGradients step at a language-model shape (d_vocab 50257, d_model 64, n_ctx 64, batch 8, 2 layers,
 * 4 heads × 16, d_mlp 256, LayerNorm, gelu_new, layer 1 local; tied and untied): prints wall ms per step (median
 * of 10 after 3 warm-ups), this thread's CPU ms (with one OpenMP thread the BLAS runs on it, so this is the fair
 * figure on a loaded machine) and the step workspace's size; asserts nothing about time. Run with
 * {@code OMP_NUM_THREADS=1 mvn -o -pl interp-core -am test -Dtest=LanguageModelStepTiming -Dtiming=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class LanguageModelStepTiming {
    @Test
    @EnabledIfSystemProperty(named = "timing", matches = "true")
    void languageModelStep() {
        for (boolean tied : new boolean[] {true, false}) {
            Transformer.Config cfg = new Transformer.Config(2, 4, 16, 64, 64, 50257, 50257, 256, false, true, false,
                    Activation.GELU_NEW, List.of("global", "local"), 32, 1e-5, tied);
            Transformer model = new Transformer(cfg, Transformer.init(cfg, 1));
            Rng rng = new Rng(3);
            int[][] tokens = new int[8][65];
            for (int[] row : tokens) {
                for (int p = 0; p < row.length; p++) {
                    row[p] = rng.nextInt(50257);
                }
            }
            int[][] in = new int[8][], out = new int[8][];
            for (int i = 0; i < 8; i++) {
                in[i] = Arrays.copyOfRange(tokens[i], 0, 64);
                out[i] = Arrays.copyOfRange(tokens[i], 1, 65);
            }
            TokenBatch batch = new TokenBatch(in, out);
            long first = System.nanoTime();
            Transformer.Output o = model.lossAndGradients(batch, false);
            double firstMs = (System.nanoTime() - first) / 1e6;
            for (int i = 0; i < 3; i++) {
                model.lossAndGradients(batch, false);
            }
            java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
            double[] t = new double[10], cpu = new double[10], fwdCpu = new double[10];
            for (int i = 0; i < t.length; i++) {
                long s = System.nanoTime(), c = mx.getCurrentThreadCpuTime();
                model.lossAndGradients(batch, false);
                t[i] = (System.nanoTime() - s) / 1e6;
                cpu[i] = (mx.getCurrentThreadCpuTime() - c) / 1e6;
                c = mx.getCurrentThreadCpuTime();
                model.loss(batch);
                fwdCpu[i] = (mx.getCurrentThreadCpuTime() - c) / 1e6;
            }
            Arrays.sort(t);
            Arrays.sort(cpu);
            Arrays.sort(fwdCpu);
            System.out.printf("LM STEP tied=%s: CPU time of this thread (OMP_NUM_THREADS=1: the BLAS runs here) "
                    + "median %.1f ms per lossAndGradients step, %.1f ms per loss() forward%n", tied, cpu[5],
                    fwdCpu[5]);
            System.out.printf("LM STEP tied=%s: loss %.4f (ln 50257 = %.4f), first step %.0f ms, median %.1f ms "
                            + "(p10 %.1f, p90 %.1f), step workspace %.1f MB, %d grads  (OMP_NUM_THREADS=%s)%n", tied,
                    o.loss(), Math.log(50257), firstMs, t[5], t[1], t[9],
                    Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread("interplab-transformer-step")
                            .getCurrentSize() / 1e6, o.grads().size(), System.getenv("OMP_NUM_THREADS"));
            Map<String, INDArray> g = o.grads();
            System.out.println("LM STEP grad W_E norm " + g.get("embed.W_E").norm2Number());
        }
    }
}
