package org.interplab.core.model;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.interplab.core.train.Adam;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Phase profile of the LM step's unembedding and loss at tinystories-1l shapes, batch 16 (thread CPU ms of the
 * calling thread, medians; run with OMP_NUM_THREADS=1 and LAB_KERNEL_THREADS=1 so that every op runs on it).
 * Arguments: [runs=5] [step | ce] — "step": the whole step, evaluation, AdamW and SGEMM only; "ce": the loss pass.
 */
public final class LmLossProfile {
    static final ThreadMXBean T = ManagementFactory.getThreadMXBean();

    static double cpu(Runnable r, int runs) {
        double[] v = new double[runs];
        for (int i = 0; i < runs; i++) {
            long c = T.getCurrentThreadCpuTime();
            r.run();
            v[i] = (T.getCurrentThreadCpuTime() - c) / 1e6;
        }
        Arrays.sort(v);
        return v[runs / 2];
    }

    public static void main(String[] a) {
        int runs = a.length > 0 ? Integer.parseInt(a[0]) : 5;
        if (a.length > 1 && a[1].equals("ce")) {
            INDArray lg = Nd4j.rand(DataType.FLOAT, 1024, 50257);
            int[][] tg = new int[16][64];
            INDArray cp = lg.dup();
            System.out.printf("CE no grad: %.1f ms%n", cpu(() -> CrossEntropy.of(lg, tg, false), runs));
            System.out.printf("CE grad overwrite (incl. assign): %.1f ms%n", cpu(() -> {
                cp.assign(lg);
                CrossEntropy.of(cp, tg, true, true);
            }, runs));
            return;
        }
        ExperimentSpec spec = Presets.expand("tinystories-1l", 1L, null);
        Transformer.Config cfg = Transformer.Config.of(spec.model());
        Adam.FlatParams flat = new Adam.FlatParams(Transformer.init(cfg, 1L));
        Map<String, INDArray> w = flat.views();
        var t = spec.training();
        Adam adam = new Adam(flat, true, t.beta1(), t.beta2(), t.weightDecay());
        int b = 16, ctx = cfg.nCtx(), n = b * ctx, v = 50257;
        Rng rng = new Rng(3);
        int[][] tok = new int[b][ctx], tgt = new int[b][ctx];
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < ctx; p++) {
                tok[i][p] = rng.nextInt(v);
                tgt[i][p] = rng.nextInt(v);
            }
        }
        TokenBatch batch = new TokenBatch(tok, tgt);
        Map<String, INDArray> grads = new LinkedHashMap<>();
        Transformer model = new Transformer(cfg, w);
        for (int i = 0; i < 2; i++) {
            model.lossAndGradients(batch, false, grads);
        }
        System.out.printf("full lossAndGradients: %.1f ms%n", cpu(() -> model.lossAndGradients(batch, false, grads), runs));
        System.out.printf("loss only (eval): %.1f ms%n", cpu(() -> model.loss(batch), runs));
        System.out.printf("adam: %.1f ms%n", cpu(() -> adam.step(grads, 1e-3, 5), runs));
        INDArray sa = Nd4j.rand(DataType.FLOAT, 1024, 1024), sb = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray sc = Nd4j.createUninitialized(DataType.FLOAT, new long[] {1024, 1024}, 'f');
        System.out.printf("sgemm 1024 f: %.1f ms%n", cpu(() -> Nd4j.gemm(sa, sb, sc, false, false, 1, 0), 4 * runs));
        if (a.length > 1 && a[1].equals("step")) {
            return;
        }
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 64);
        INDArray wu = w.get("unembed.W_U"), bu = w.get("unembed.b_U");
        INDArray logits = Nd4j.createUninitialized(DataType.FLOAT, n, v);
        INDArray logitsF = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, v}, 'f');
        INDArray dW = Nd4j.createUninitialized(DataType.FLOAT, 64, v), dx = Nd4j.createUninitialized(DataType.FLOAT, n, 64);
        INDArray dWf = Nd4j.createUninitialized(DataType.FLOAT, new long[] {64, v}, 'f');
        System.out.printf("gemm fwd x·W_U into c: %.1f ms%n", cpu(() -> Nd4j.gemm(x, wu, logits, false, false, 1, 0), runs));
        System.out.printf("gemm fwd x·W_U into f: %.1f ms%n", cpu(() -> Nd4j.gemm(x, wu, logitsF, false, false, 1, 0), runs));
        System.out.printf("addiRowVector b_U: %.1f ms%n", cpu(() -> logits.addiRowVector(bu), runs));
        INDArray copy = logits.dup();
        System.out.printf("CrossEntropy.of overwrite: %.1f ms%n", cpu(() -> {
            copy.assign(logits);
            CrossEntropy.of(copy, tgt, true, true);
        }, runs));
        System.out.printf("  (assign 51M alone: %.1f ms)%n", cpu(() -> copy.assign(logits), runs));
        System.out.printf("CrossEntropy.of no grad: %.1f ms%n", cpu(() -> CrossEntropy.of(logits, tgt, false), runs));
        System.out.printf("gemm dW = xT·dL into c: %.1f ms%n", cpu(() -> Nd4j.gemm(x, logits, dW, true, false, 1, 0), runs));
        System.out.printf("gemm dW = xT·dL into f: %.1f ms%n", cpu(() -> Nd4j.gemm(x, logits, dWf, true, false, 1, 0), runs));
        System.out.printf("columnSums dL: %.1f ms%n", cpu(() -> Gemm.columnSums(logits), runs));
        System.out.printf("gemm dx = dL·W_UT: %.1f ms%n", cpu(() -> Nd4j.gemm(logits, wu, dx, false, true, 1, 0), runs));
        INDArray a1 = Nd4j.rand(DataType.FLOAT, 1024, 1024), b1 = Nd4j.rand(DataType.FLOAT, 1024, 1024);
        INDArray c1 = Nd4j.createUninitialized(DataType.FLOAT, new long[] {1024, 1024}, 'f');
        System.out.printf("sgemm 1024 f: %.1f ms%n", cpu(() -> Nd4j.gemm(a1, b1, c1, false, false, 1, 0), runs));
    }
}
