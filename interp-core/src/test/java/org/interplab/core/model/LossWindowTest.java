package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The step that computes only what its loss reads (sequence cut after the last target, the last block's output rows
 * from the first target on) gives the whole pass's loss and every gradient, in DOUBLE to 1e-10: through the QKV
 * kernel (d_head ≤ 8) and the per-head path (d_head 16), with and without MLP and LayerNorm, local windows, tied
 * embeddings, several layers, targets with holes, and batches where nothing or only the end is cut.
 */
@ExtendWith(DoublePrecision.class)
class LossWindowTest {
    @AfterEach
    void restore() {
        Transformer.useLossWindow = true;
    }

    private static final List<Transformer.Config> CONFIGS = List.of(
            // seed 001's addition shape, smaller: attention-only, one layer, many heads of d_head 2 (the QKV kernel)
            new Transformer.Config(1, 8, 2, 16, 19, 12, 10, 0, true, false, true, Activation.RELU, null),
            // two layers with MLP and LayerNorm, local windows, per-head path (d_head 16 > the kernel's 8)
            new Transformer.Config(2, 2, 16, 12, 9, 7, 5, 10, false, true, false, Activation.GELU_NEW, 3),
            // GPT-Neo-like: tied embeddings, one local and one global layer, kernel path
            new Transformer.Config(2, 3, 4, 12, 8, 9, 9, 8, false, true, false, Activation.GELU_NEW,
                    List.of("local", "global"), 2, 1e-5, true));

    /** targets[i][p]: the loss positions of each row (from..to, with every third missing in odd rows); −1 elsewhere. */
    private static TokenBatch batch(Transformer.Config cfg, Rng rng, int n, int from, int to) {
        int[][] tokens = new int[n][cfg.nCtx()];
        int[][] targets = new int[n][cfg.nCtx()];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < cfg.nCtx(); p++) {
                tokens[i][p] = rng.nextInt(cfg.dVocab());
                boolean hole = i % 2 == 1 && p % 3 == 0 && p != from && p != to;
                targets[i][p] = p >= from && p <= to && !hole ? rng.nextInt(cfg.dVocabOut()) : TokenBatch.NO_LOSS;
            }
        }
        return new TokenBatch(tokens, targets);
    }

    /**
     * The same in FLOAT, what training runs: the float kernel with its saved pattern and the float-only tail-row
     * passes of {@code HostOps}, to float rounding.
     */
    @Test
    void inFloatToo() {
        Transformer.Config cfg = CONFIGS.get(0);
        Map<String, INDArray> params = Transformer.init(cfg, 4);
        params.replaceAll((name, p) -> p.addi(Nd4j.rand(DataType.DOUBLE, p.shape()).subi(0.5)).castTo(DataType.FLOAT));
        Transformer model = new Transformer(cfg, params);
        TokenBatch data = batch(cfg, new Rng(6), 9, 11, 17);
        Transformer.useLossWindow = false;
        Transformer.Output whole = model.lossAndGradients(data, false);
        Transformer.useLossWindow = true;
        Transformer.Output cut = model.lossAndGradients(data, false);
        assertEquals(whole.loss(), cut.loss(), 1e-5 * Math.abs(whole.loss()));
        for (var e : whole.grads().entrySet()) {
            INDArray g = cut.grads().get(e.getKey());
            assertEquals(DataType.FLOAT, g.dataType());
            double scale = Math.max(1e-3, e.getValue().amaxNumber().doubleValue());
            double diff = e.getValue().sub(g).amaxNumber().doubleValue() / scale;
            assertTrue(diff < 1e-4, e.getKey() + " differs by " + diff + " of its largest entry");
        }
    }

    @Test
    void lossAndEveryGradientEqualTheWholePass() {
        Rng rng = new Rng(5);
        for (Transformer.Config cfg : CONFIGS) {
            Map<String, INDArray> params = Transformer.init(cfg, 3);
            params.replaceAll((name, p) -> p.addi(Nd4j.rand(DataType.DOUBLE, p.shape()).subi(0.5)));
            Transformer model = new Transformer(cfg, params);
            int t = cfg.nCtx();
            int[][] windows = {{t / 2, t - 2}, {1, t - 1}, {0, t - 1}, {0, t / 2}, {t - 1, t - 1}, {2, 2}};
            for (int[] w : windows) {
                TokenBatch data = batch(cfg, rng, 5, w[0], w[1]);
                String what = cfg + " loss on " + w[0] + ".." + w[1];
                Transformer.LossWindow window = Transformer.lossWindow(data, true);
                assertEquals(w[0] == 0 && w[1] == t - 1 ? 0 : w[0], window.outFrom(), what);
                assertEquals(w[0] == 0 && w[1] == t - 1 ? t : w[1] + 1, window.batch().nCtx(), what);
                Transformer.useLossWindow = false;
                Transformer.Output whole = model.lossAndGradients(data, false);
                double wholeValue = model.lossValue(data);
                Transformer.useLossWindow = true;
                Transformer.Output cut = model.lossAndGradients(data, false);
                assertEquals(whole.loss(), cut.loss(), 1e-12, what);
                assertEquals(whole.loss(), wholeValue, 1e-12, what);
                assertEquals(whole.loss(), model.lossValue(data), 1e-12, what);
                assertEquals(whole.grads().keySet(), cut.grads().keySet(), what);
                for (var e : whole.grads().entrySet()) {
                    INDArray g = cut.grads().get(e.getKey());
                    assertEquals(java.util.Arrays.toString(e.getValue().shape()), java.util.Arrays.toString(g.shape()), what + " " + e.getKey());
                    double diff = e.getValue().sub(g).amaxNumber().doubleValue();
                    assertTrue(diff < 1e-10, what + ": " + e.getKey() + " differs by " + diff);
                }
                // the logits a caller keeps are the whole pass's, whatever the loss reads
                assertEquals((long) 5 * t, model.lossAndGradients(data, true).logits().size(0), what);
            }
        }
    }
}
