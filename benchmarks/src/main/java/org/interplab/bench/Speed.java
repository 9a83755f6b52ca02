package org.interplab.bench;

import static org.interplab.bench.Bench.floats;
import static org.interplab.bench.Bench.interleave;
import static org.interplab.bench.Bench.median;
import static org.interplab.bench.Bench.quantile;
import static org.interplab.bench.Bench.relErr;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.interplab.bench.Bench.Variant;
import org.interplab.core.model.Transformer;
import org.interplab.core.model.kernels.KernelThreads;
import org.interplab.core.task.TokenBatch;
import org.interplab.core.train.BatchShards;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The speed goals of issue 11 §1 and issue 8 item 8 in one interleaved run: SGEMM 1024³ (ND4J into a c-order and
 * into an f-order result, libtorch; the peak is ND4J's faster one); the addition step as the product runs it (QKV
 * attention kernel on as many Java threads as OpenMP threads, reused gradient arrays), the same with the kernel on 2
 * Java threads, the product's own training loop ({@link ProductLoop}: Trainer.train with the trainer service's thread
 * setting, a batch shard per core), and libtorch; the attention core at the addition and LM
 * shapes (ND4J ops vs the per-head {@link org.interplab.core.model.kernels.AttentionKernel} and the
 * {@link org.interplab.core.model.kernels.QkvAttentionKernel}, each on 1 and 2 Java threads); the `tinystories-1l`
 * LM step (ND4J vs libtorch) in tokens/s. Medians over rounds of wall ms and of the process's CPU ms (the machine is
 * shared: CPU time is what the work cost whatever else runs), ratios side by side; FLOP/s as a share of the same
 * run's ND4J SGEMM.
 */
final class Speed {
    /**
     * Addition steps per variant and round: long enough that a step runs as in a training run, on warm caches and
     * threads (with 2 per round the two-shard step measured 24–32 ms, against 13–14 ms when 25 s of steps ran back
     * to back), while the variants still alternate, so the ratios come from the same minutes.
     */
    private static final int ADDITION_STEPS_PER_ROUND = 20;
    /**
     * Seconds of steps per addition variant before the rounds: the JIT compiles the step's loops for the first
     * tens of seconds, and on two cores its compiler threads take CPU from the step (the two-shard step measured
     * 11–12 ms in the first 10 s of a JVM, 9.4 ms after 25 s).
     */
    private static final double WARM_UP_SECONDS = 8;
    /** Untimed steps per round before an addition variant's timed ones ({@link Bench.Variant#leadIn()}). */
    private static final int LEAD_IN = 5;
    /**
     * Steps per round, and untimed ones before them, for the two figures the goal compares, the product's loop and
     * libtorch: runs of steps as in training (interleaved 20 at a time with the other variants, the two-shard loop
     * measured 12–13 ms a step against 10–11 ms after tens of steps in a row).
     */
    private static final int LOOP_STEPS_PER_ROUND = 100;
    private static final int LOOP_LEAD_IN = 10;
    /** The product's loop is warmed longer: its two-shard step is the one the JIT's compiler threads slow most. */
    private static final double PRODUCT_WARM_UP_SECONDS = 25;
    private final int rounds;
    private final int lmBatch;
    private final StringBuilder md = new StringBuilder();

    Speed(int rounds, int lmBatch) {
        this.rounds = rounds;
        this.lmBatch = lmBatch;
    }

    private void line(String s) {
        System.out.println(s);
        md.append(s).append('\n');
    }

    String run() {
        long started = System.currentTimeMillis();
        int kernelThreads = KernelThreads.get();
        // the steps run on as many Java kernel threads as ND4J has OpenMP threads: "one thread" means one core
        int threads = ompThreads();
        line("## Speed run (" + java.time.LocalDateTime.now().withNano(0) + ")");
        line("");
        line("- machine: " + Bench.machine());
        line("- libtorch intra-op threads: " + TorchModel.threads() + "; attention-kernel Java threads in the ND4J "
                + "steps: " + threads + " (= OMP_NUM_THREADS; the product's default would be " + kernelThreads + ")");
        line("- load average at start: " + Bench.loadAverage());
        line("- " + rounds + " interleaved rounds after warm-up; medians of the per-round ms; LM batch " + lmBatch
                + " × n_ctx of " + LmSetup.PRESET);
        line("");

        AdditionSetup add = new AdditionSetup(40);
        Nd4jAddition nd = new Nd4jAddition(add);
        TorchAddition pt = new TorchAddition(add, add.init());
        // the product's own loop, set as the trainer service sets a lone toy job (ComputeThreads): ND4J's ops and
        // BLAS on one thread, the batch in as many shards as there are cores (here: OMP_NUM_THREADS)
        BatchShards.set(threads);
        ProductLoop product = new ProductLoop(add.spec);
        var m = add.spec.model();
        AttentionCore core = new AttentionCore(add.spec.training().batchSize(), m.nHeads(), m.nCtx(), m.dHead(),
                1 / Math.sqrt(m.dHead()));
        LmSetup lm = new LmSetup(lmBatch, 4);
        var lmm = lm.model;
        AttentionCore lmCore = new AttentionCore(lmBatch, lmm.nHeads(), lmm.nCtx(), lmm.dHead(), 1.0);
        Nd4jAddition ndLm = new Nd4jAddition(lm.cfg, lm.init(), lm.training);
        TorchLm ptLm = new TorchLm(lm);

        line("### Cross-checks (before timing)");
        line("");
        TokenBatch b0 = add.batches.get(0);
        line(String.format("- addition: ND4J loss %.6f, libtorch loss %.6f", nd.forwardBackward(b0).loss(),
                pt.lossAndGradients(b0).loss()));
        double[] coreDiff = core.maxDifference(), lmCoreDiff = lmCore.maxDifference();
        line(String.format("- attention core against ND4J ops, largest difference over pattern, z, dq, dk, dv (FLOAT): "
                + "per-head kernel %.2e, QKV kernel %.2e at the addition shapes; %.2e, %.2e at the LM shapes",
                coreDiff[0], coreDiff[1], lmCoreDiff[0], lmCoreDiff[1]));
        Transformer.Output lmNd = ndLm.forwardBackward(lm.batches.get(0));
        TorchModel.LossGrads lmPt = ptLm.lossAndGradients(lm.batches.get(0));
        double worst = 0;
        String worstName = "";
        for (var e : lmNd.grads().entrySet()) {
            if (e.getKey().endsWith("attn.b_K")) {
                continue; // 0 in exact arithmetic (q·b_K is constant along each softmax row)
            }
            double err = relErr(floats(e.getValue()), lmPt.grads().get(e.getKey()));
            if (err > worst) {
                worst = err;
                worstName = e.getKey();
            }
        }
        line(String.format("- LM: ND4J loss %.6f, libtorch loss %.6f (ln 50257 = %.6f), largest relative gradient "
                + "difference %.2e (%s)", lmNd.loss(), lmPt.loss(), Math.log(LmSetup.VOCAB), worst, worstName));
        line("");

        int n = 1024;
        INDArray ga = Nd4j.rand(DataType.FLOAT, n, n), gb = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray gc = Nd4j.createUninitialized(DataType.FLOAT, n, n);
        INDArray gf = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, n}, 'f');
        NDManager tm = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        NDArray ta = tm.randomUniform(0f, 1f, new Shape(n, n)), tb = tm.randomUniform(0f, 1f, new Shape(n, n));
        int[] bi = new int[5];
        Workspace wsCore = new Workspace("bench-attention-core");
        Workspace wsLmCore = new Workspace("bench-lm-attention-core");
        List<Variant> vs = new ArrayList<>(List.of(
                new Variant("sgemm-nd4j", 4, () -> ga.mmuli(gb, gc)),
                new Variant("sgemm-nd4j-f", 4, () -> ga.mmuli(gb, gf)),
                new Variant("sgemm-torch", 4, () -> {
                    try (NDArray c = ta.matMul(tb)) {
                        c.getFloat(0, 0);
                    }
                }),
                additionVariant("addition-nd4j", () -> {
                    KernelThreads.set(threads);
                    nd.step(add.batches.get(bi[0]++ % add.batches.size()));
                }),
                additionVariant("addition-nd4j-k2", () -> {
                    KernelThreads.set(2);
                    nd.step(add.batches.get(bi[0]++ % add.batches.size()));
                }),
                new Variant("addition-product", LOOP_STEPS_PER_ROUND, () -> {
                    ndThreads(1); // for the whole block: every other variant sets them back (below)
                    KernelThreads.set(threads);
                    product.step();
                }, LOOP_LEAD_IN),
                new Variant("addition-torch", LOOP_STEPS_PER_ROUND, () -> pt.step(add.batches.get(bi[2]++ % add.batches
                        .size())), LOOP_LEAD_IN),
                new Variant("core-nd4j", 4, () -> wsCore.run(() -> core.nd4j().length)),
                new Variant("core-kernel-1t", 4, () -> {
                    KernelThreads.set(1);
                    wsCore.run(() -> core.kernel().length);
                }),
                new Variant("core-kernel-2t", 4, () -> {
                    KernelThreads.set(2);
                    wsCore.run(() -> core.kernel().length);
                }),
                new Variant("core-qkv-1t", 4, () -> {
                    KernelThreads.set(1);
                    wsCore.run(() -> core.qkvKernel().length);
                }),
                new Variant("core-qkv-2t", 4, () -> {
                    KernelThreads.set(2);
                    wsCore.run(() -> core.qkvKernel().length);
                }),
                new Variant("lm-core-nd4j", 2, () -> wsLmCore.run(() -> lmCore.nd4j().length)),
                new Variant("lm-core-kernel-1t", 2, () -> {
                    KernelThreads.set(1);
                    wsLmCore.run(() -> lmCore.kernel().length);
                }),
                new Variant("lm-core-kernel-2t", 2, () -> {
                    KernelThreads.set(2);
                    wsLmCore.run(() -> lmCore.kernel().length);
                }),
                new Variant("lm-core-qkv-1t", 2, () -> {
                    KernelThreads.set(1);
                    wsLmCore.run(() -> lmCore.qkvKernel().length);
                }),
                new Variant("lm-core-qkv-2t", 2, () -> {
                    KernelThreads.set(2);
                    wsLmCore.run(() -> lmCore.qkvKernel().length);
                }),
                new Variant("lm-nd4j", 1, () -> {
                    KernelThreads.set(threads);
                    ndLm.step(lm.batches.get(bi[3]++ % lm.batches.size()));
                }),
                new Variant("lm-torch", 1, () -> ptLm.step(lm.batches.get(bi[4]++ % lm.batches.size())))));
        vs.replaceAll(v -> v.name().equals("addition-product") ? v : new Variant(v.name(), v.reps(), () -> {
            ndThreads(threads);
            v.body().run();
        }, v.leadIn()));
        warmUp(vs, "addition-", WARM_UP_SECONDS);
        warmUp(vs, "addition-product", PRODUCT_WARM_UP_SECONDS - WARM_UP_SECONDS);
        Map<String, List<Double>> ms = interleave(vs, 2, rounds);
        KernelThreads.set(kernelThreads);

        double sgemmFlops = 2.0 * n * n * n;
        // the peak is ND4J's faster SGEMM: into a c-order result mmul computes column-major and copies the result
        // transposed, into an f-order one it is the BLAS call alone
        String peakKey = median(ms.get("sgemm-nd4j-f")) < median(ms.get("sgemm-nd4j")) ? "sgemm-nd4j-f" : "sgemm-nd4j";
        double peak = sgemmFlops / median(ms.get(peakKey)) / 1e6;
        double peakCpu = sgemmFlops / median(ms.get(peakKey + Bench.CPU)) / 1e6;
        double addFlops = AdditionSetup.stepFlops(add.cfg, add.spec.training().batchSize());
        line("### SGEMM and the addition step (seed 001 preset, batch 256)");
        line("");
        line(String.format("FLOPs (analytic, matmuls only): SGEMM 1024³ %.3f GFLOP; addition step %.3f GFLOP; "
                + "attention core fwd+bwd %.3f GFLOP. GFLOP/s and shares from wall ms, of the faster ND4J SGEMM "
                + "(%s); the CPU columns are the process's CPU ms over the same calls.", sgemmFlops / 1e9,
                addFlops / 1e9, core.flops() / 1e9, peakKey.equals("sgemm-nd4j-f") ? "f-order result"
                        : "c-order result"));
        int firstLoss = add.task.firstAnswerPosition(), lastLoss = add.cfg.nCtx() - 2;
        double executed = AdditionSetup.executedFlops(add.cfg, add.spec.training().batchSize(), firstLoss, lastLoss);
        line("");
        line(String.format("The ND4J step computes only what its loss reads (positions %d–%d): it executes %.3f GFLOP "
                + "of the model's %.3f; the table's GFLOP/s and shares count the model's. By executed FLOPs the "
                + "product's step reaches %.1f %% of the peak.", firstLoss, lastLoss, executed / 1e9, addFlops / 1e9,
                100 * executed / median(ms.get("addition-nd4j")) / 1e6 / peak));
        line("");
        line("| workload | engine | ms (median) | p10–p90 | GFLOP/s | % of ND4J SGEMM | time ÷ libtorch | CPU-ms "
                + "(median) | CPU ÷ libtorch | % of SGEMM, by CPU |");
        line("|---|---|---|---|---|---|---|---|---|---|");
        row(ms, "SGEMM 1024³", "ND4J, c-order result", "sgemm-nd4j", sgemmFlops, peak, peakCpu, "sgemm-torch");
        row(ms, "SGEMM 1024³", "ND4J, f-order result", "sgemm-nd4j-f", sgemmFlops, peak, peakCpu, "sgemm-torch");
        row(ms, "SGEMM 1024³", "libtorch", "sgemm-torch", sgemmFlops, peak, peakCpu, null);
        row(ms, "addition step", "ND4J (the product's step: QKV attention kernel)", "addition-nd4j", addFlops,
                peak, peakCpu, "addition-torch");
        row(ms, "addition step", "ND4J, the attention kernel on 2 Java threads", "addition-nd4j-k2", addFlops, peak,
                peakCpu, "addition-torch");
        row(ms, "addition step", "ND4J, the product's training loop (Trainer.train on the preset: " + threads
                + (threads == 1 ? " batch shard" : " batch shards") + ", ND4J ops on 1 thread each, evaluations and"
                + " checkpoints as due; the trainer service's setting for a lone job)", "addition-product", addFlops,
                peak, peakCpu, "addition-torch");
        row(ms, "addition step", "libtorch", "addition-torch", addFlops, peak, peakCpu, null);
        line("");
        coreTable(ms, "", "the addition shapes ([8192, 19, 2]; ND4J ops: per-d_head broadcasts, ND4J softmax)");
        coreTable(ms, "lm-", String.format("the LM shapes ([%d, %d, %d]; ND4J ops: batched matmuls, ND4J softmax)",
                lmCore.bh, lmm.nCtx(), lmm.dHead()));
        double lmFlops = lm.stepFlops();
        line(String.format("### LM step (`%s`: %d layer, d_model %d, %d heads × %d, d_mlp %d, n_ctx %d, vocab %d "
                + "untied, batch %d = %d tokens, %.2f GFLOP/step)", LmSetup.PRESET, lmm.nLayers(), lmm.dModel(),
                lmm.nHeads(), lmm.dHead(), lmm.dMlp(), lmm.nCtx(), lmm.dVocab(), lmBatch, lm.tokensPerStep(),
                lmFlops / 1e9));
        line("");
        line("| engine | ms/step (median) | p10–p90 | tokens/s | GFLOP/s | % of ND4J SGEMM | time ÷ libtorch | CPU-ms "
                + "(median) | CPU ÷ libtorch | % of SGEMM, by CPU |");
        line("|---|---|---|---|---|---|---|---|---|---|");
        for (String[] v : new String[][] {{"lm-nd4j", "ND4J (interp-core Transformer, as LmProblem steps it)"},
                {"lm-torch", "libtorch (embedding lookup, log_softmax + gather)"}}) {
            List<Double> x = ms.get(v[0]);
            double med = median(x);
            double gflops = lmFlops / med / 1e6;
            line(String.format("| %s | %.1f | %.1f–%.1f | %.0f | %.1f | %.1f %% | %s |", v[1], med, quantile(x, 0.1),
                    quantile(x, 0.9), lm.tokensPerStep() / med * 1000, gflops, 100 * gflops / peak,
                    ratio(ms, v[0], v[0].equals("lm-torch") ? null : "lm-torch", "")) + cpuCells(ms, v[0],
                    v[0].equals("lm-torch") ? null : "lm-torch", lmFlops, peakCpu));
        }
        line("");
        double wallS = (System.currentTimeMillis() - started) / 1000.0;
        line(String.format("- load average at end: %s; wall time %.0f s; this JVM used %.0f CPU-s (%.2f cores on "
                + "average)", Bench.loadAverage(), wallS, Bench.cpuSeconds(), Bench.cpuSeconds() / wallS));
        product.close();
        pt.close();
        ptLm.close();
        tm.close();
        return md.toString();
    }

    /** An addition-step variant: {@link #ADDITION_STEPS_PER_ROUND} timed steps per round after {@link #LEAD_IN} untimed. */
    private static Variant additionVariant(String name, Runnable step) {
        return new Variant(name, ADDITION_STEPS_PER_ROUND, step, LEAD_IN);
    }

    /** Runs each variant whose name starts with {@code prefix} for {@code seconds}, one after the other. */
    private static void warmUp(List<Variant> vs, String prefix, double seconds) {
        for (Variant v : vs) {
            if (v.name().startsWith(prefix)) {
                long end = System.nanoTime() + (long) (seconds * 1e9);
                while (System.nanoTime() < end) {
                    v.body().run();
                }
            }
        }
    }

    /** OMP_NUM_THREADS as ND4J read it at start-up (the processor count when unset). */
    private static int ompThreads() {
        String v = System.getenv("OMP_NUM_THREADS");
        return v == null || v.isBlank() ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(v.trim());
    }

    private void coreTable(Map<String, List<Double>> ms, String prefix, String shapes) {
        line("### Attention core at " + shapes + ", forward + backward, in a workspace");
        line("");
        line("| variant | ms (median) | p10–p90 | ÷ ND4J ops | CPU-ms (median) |");
        line("|---|---|---|---|---|");
        List<Double> today = ms.get(prefix + "core-nd4j");
        for (String[] v : new String[][] {{"core-nd4j", "ND4J ops"},
                {"core-kernel-1t", "per-head kernel, 1 Java thread"},
                {"core-kernel-2t", "per-head kernel, 2 Java threads"},
                {"core-qkv-1t", "QKV kernel (the product's), 1 Java thread"},
                {"core-qkv-2t", "QKV kernel (the product's), 2 Java threads"}}) {
            List<Double> x = ms.get(prefix + v[0]);
            line(String.format("| %s | %.2f | %.2f–%.2f | %.3f× | %.2f |", v[1], median(x), quantile(x, 0.1),
                    quantile(x, 0.9), median(x) / median(today), median(ms.get(prefix + v[0] + Bench.CPU))));
        }
        line("");
    }

    private void row(Map<String, List<Double>> ms, String workload, String engine, String key, double flops,
                     double peak, double peakCpu, String torchKey) {
        List<Double> x = ms.get(key);
        double med = median(x);
        double gflops = flops / med / 1e6;
        line(String.format("| %s | %s | %.2f | %.2f–%.2f | %.1f | %.1f %% | %s |", workload, engine, med,
                quantile(x, 0.1), quantile(x, 0.9), gflops, 100 * gflops / peak, ratio(ms, key, torchKey, ""))
                + cpuCells(ms, key, torchKey, flops, peakCpu));
    }

    private static String ratio(Map<String, List<Double>> ms, String key, String torchKey, String suffix) {
        return torchKey == null ? "" : String.format("%.2f×", median(ms.get(key + suffix))
                / median(ms.get(torchKey + suffix)));
    }

    /** The CPU-ms median, its ratio to libtorch's and the share of the SGEMM rate by CPU time (a row's tail). */
    private static String cpuCells(Map<String, List<Double>> ms, String key, String torchKey, double flops,
                                   double peakCpu) {
        double cpu = median(ms.get(key + Bench.CPU));
        return String.format(" %.1f | %s | %.1f %% |", cpu, ratio(ms, key, torchKey, Bench.CPU),
                100 * flops / cpu / 1e6 / peakCpu);
    }

    /** ND4J's op threads and its BLAS threads as the trainer's ComputeThreads sets them (when they change). */
    private static void ndThreads(int n) {
        if (n != ndThreads) {
            org.nd4j.linalg.factory.Nd4j.getEnvironment().setMaxThreads(n);
            org.nd4j.linalg.factory.Nd4j.factory().blas().setMaxThreads(n);
            ndThreads = n;
        }
    }

    /** The threads {@link #ndThreads(int)} last set (0: not yet). */
    private static int ndThreads;

}
