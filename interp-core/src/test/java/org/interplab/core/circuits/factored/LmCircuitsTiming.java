package org.interplab.core.circuits.factored;

import java.util.List;
import java.util.Map;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.circuits.TableResult;
import org.interplab.core.model.Transformer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Wall time and the JVM's peak heap of every QK/OV table of one layer at LM shapes (random init, d_vocab 50257):
 * tinystories-1l (d_model 64, 4 heads × 16) and the 21M shape (d_model 1024, 16 heads × 64, {@code -Dheads=N} heads
 * only). Asserts nothing about time. Run with {@code mvn -o -pl interp-core -am test -Dtest=LmCircuitsTiming
 * -Dtiming=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class LmCircuitsTiming {
    @Test
    @EnabledIfSystemProperty(named = "timing", matches = "true")
    void lmShapes() {
        int heads21m = Integer.getInteger("heads", 2);
        for (int[] shape : new int[][] {{4, 16, 64, 4}, {16, 64, 1024, heads21m}}) {
            ExperimentSpec spec = Json.read("""
                    {"name": "t", "task": {"kind": "lm", "corpus": "builtin-stories"},
                     "model": {"kind": "transformer", "nLayers": 1, "nHeads": %d, "dHead": %d, "dModel": %d, "nCtx": 64,
                       "dVocab": 50257, "dVocabOut": 50257, "dMlp": 4, "attnOnly": false, "normalization": "LN",
                       "useAttnScale": false, "actFn": "gelu_new", "lnEps": 1e-5},
                     "training": {"steps": 1, "batchSize": 1, "lr": 0.001}, "seed": 1}
                    """.formatted(shape[0], shape[1], shape[2]), ExperimentSpec.class);
            Map<String, INDArray> w = Transformer.init(Transformer.Config.of(spec.model()), 1);
            LmCircuits c = new LmCircuits(w, spec);
            long t0 = System.nanoTime();
            INDArray x = c.embedThroughLn(0);
            long t1 = System.nanoTime();
            long svd = 0, top = 0, diag = 0, factors = 0;
            for (int h = 0; h < shape[3]; h++) {
                long a = System.nanoTime();
                FactoredMatrix qk = c.qk(x, 0, h), ov = c.ov(x, 0, h);
                long b = System.nanoTime();
                qk.singularValues();
                ov.singularValues();
                long d = System.nanoTime();
                qk.top(LmCircuits.TOP_PAIRS);
                ov.top(LmCircuits.TOP_PAIRS);
                long e = System.nanoTime();
                qk.diagonal();
                ov.diagonal();
                long f = System.nanoTime();
                factors += b - a;
                svd += d - b;
                top += e - d;
                diag += f - e;
            }
            Runtime rt = Runtime.getRuntime();
            System.out.printf("d_model %d, %d heads × %d (timed %d heads): LN1(W_E) %.0f ms; per head: factors %.0f ms,"
                            + " svd %.1f ms, top pairs %.0f ms (QK+OV), diagonals %.1f ms; heap used %d MB%n",
                    shape[2], shape[0], shape[1], shape[3], (t1 - t0) / 1e6, factors / 1e6 / shape[3],
                    svd / 1e6 / shape[3], top / 1e6 / shape[3], diag / 1e6 / shape[3],
                    (rt.totalMemory() - rt.freeMemory()) >> 20);
            if (shape[0] == 4) {
                long s = System.nanoTime();
                List<TableResult> all = LmCircuits.analyse(w, spec);
                System.out.printf("tinystories-1l shape: all %d tables in %.1f s%n", all.size(), (System.nanoTime() - s) / 1e9);
            }
        }
    }
}
