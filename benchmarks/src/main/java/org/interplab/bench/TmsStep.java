package org.interplab.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.model.Tms;
import org.interplab.core.model.kernels.KernelThreads;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TmsTask;
import org.interplab.core.train.Adam;
import org.interplab.core.train.ModelState;
import org.interplab.core.train.Trainer;
import org.interplab.core.train.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code Bench tms [rounds] [act]}: the tms-sparsity step (the preset: 20 instances, 100 features → 20 hidden,
 * batch 1024, p from 1 down to 0.001) by the calling thread's CPU time, old against new in the same minutes, round
 * by round: "old" is the per-element sampler (one SplitMix64 draw per entry, as {@code TmsTask} drew before) and
 * {@code Tms} with ND4J ops for the elementwise part ({@link Tms#withNd4jOps}); "new" is {@code TmsTask}'s skipping
 * sampler and the fused pass. Phases (sample, forward+backward, AdamW) and the whole step; SGEMM 1024³ for the
 * machine's peak. {@code Bench tms-train [steps] [act]}: an in-process {@link Trainer} run of the preset for that many
 * steps (evaluation every 500 as the preset), its thread CPU and wall time.
 */
final class TmsStep {
    private final int rounds;
    private final String act;
    private final StringBuilder md = new StringBuilder();

    TmsStep(int rounds, String act) {
        this.rounds = rounds;
        this.act = act;
    }

    private void line(String s) {
        System.out.println(s);
        md.append(s).append('\n');
    }

    static ExperimentSpec preset(String act, Long steps) {
        ObjectNode over = Json.MAPPER.createObjectNode();
        over.putObject("model").put("actFn", act);
        if (steps != null) {
            over.putObject("training").put("steps", steps);
        }
        return Presets.expand("tms-sparsity", null, over);
    }

    /** The sampler as it was: one draw per (instance, example, feature) in that order. */
    static INDArray perEntrySample(double[][] p, int batch, Rng rng) {
        int nf = p[0].length, per = batch * nf;
        float[] x = new float[p.length * per];
        for (int i = 0; i < p.length; i++) {
            for (int k = 0; k < per; k++) {
                long draw = rng.nextLong();
                if ((draw >>> 40) * 0x1.0p-24 < p[i][k % nf]) {
                    x[i * per + k] = (float) ((draw & ((1L << 40) - 1)) * 0x1.0p-40);
                }
            }
        }
        return Nd4j.create(x, new long[] {p.length, batch, nf}, 'c');
    }

    /** One engine's state: weights, optimiser, data stream. */
    private static final class Side {
        final Map<String, INDArray> weights;
        final Adam adam;
        final Rng rng = new Rng(Rng.derive(1, "bench-tms"));
        long step;

        Side(Map<String, INDArray> init) {
            Adam.FlatParams flat = new Adam.FlatParams(init);
            weights = flat.views();
            adam = new Adam(flat, true, 0.9, 0.999, 0.01);
        }
    }

    String run() {
        KernelThreads.set(1);
        ExperimentSpec spec = preset(act, null);
        Tms.Config cfg = Tms.Config.of(spec.model(), spec.task());
        TmsTask task = new TmsTask(spec.task(), cfg.nInstances());
        double[][] p = task.featureProbabilities();
        int batch = spec.training().batchSize();
        line("## TMS step (tms-sparsity, act " + act + ") by thread CPU time ("
                + java.time.LocalDateTime.now().withNano(0) + ")");
        line("");
        line("- machine: " + Bench.machine() + "; kernel threads 1; load average at start: "
                + Bench.loadAverage());
        Side old = new Side(Tms.init(cfg, 1)), neu = new Side(Tms.init(cfg, 1));
        // cross-check on one batch: old and new model paths on identical data
        INDArray x0 = perEntrySample(p, batch, new Rng(5));
        Tms.Output a = new Tms(cfg, old.weights).withNd4jOps().lossAndGradients(x0, null);
        Tms.Output b = new Tms(cfg, neu.weights).lossAndGradients(x0, null);
        line(String.format("- cross-check on one batch: loss old %.6f new %.6f; max |ΔdW| %.2e (max |dW| %.2e),"
                        + " max |Δdb| %.2e", a.loss(), b.loss(),
                a.grads().get("W").sub(b.grads().get("W")).amaxNumber().doubleValue(),
                a.grads().get("W").amaxNumber().doubleValue(),
                a.grads().get("b_final").sub(b.grads().get("b_final")).amaxNumber().doubleValue()));
        int n = 1024;
        INDArray ga = Nd4j.rand(DataType.FLOAT, n, n), gb = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray gc = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, n}, 'f');
        INDArray[] xs = {null, null};
        Map<String, Runnable> vs = new LinkedHashMap<>();
        vs.put("SGEMM 1024³ (ND4J)", () -> ga.mmuli(gb, gc));
        vs.put("old: sample (per entry)", () -> xs[0] = perEntrySample(p, batch, old.rng));
        vs.put("new: sample (skipping)", () -> xs[1] = task.sample(batch, neu.rng, DataType.FLOAT));
        vs.put("old: forward+backward (ND4J ops)",
                () -> new Tms(cfg, old.weights).withNd4jOps().lossAndGradients(xs[0], null));
        vs.put("new: forward+backward (fused)", () -> new Tms(cfg, neu.weights).lossAndGradients(xs[1], null));
        vs.put("old: full step", () -> fullStep(cfg, old, perEntrySample(p, batch, old.rng), true));
        vs.put("new: full step", () -> fullStep(cfg, neu, task.sample(batch, neu.rng, DataType.FLOAT), false));
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<String> names = new ArrayList<>(vs.keySet());
        List<List<Double>> cpu = new ArrayList<>(), wall = new ArrayList<>();
        for (Runnable v : vs.values()) {
            cpu.add(new ArrayList<>());
            wall.add(new ArrayList<>());
            for (int w = 0; w < 5; w++) {
                v.run();
            }
        }
        for (int r = 0; r < rounds; r++) {
            int k = 0;
            for (Runnable v : vs.values()) {
                int reps = 3;
                long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    v.run();
                }
                cpu.get(k).add((mx.getCurrentThreadCpuTime() - c0) / 1e6 / reps);
                wall.get(k).add((System.nanoTime() - t0) / 1e6 / reps);
                k++;
            }
        }
        double sgemm = median(cpu.get(0));
        double peak = 2.0 * n * n * n / (sgemm * 1e-3);
        // matmul FLOPs per step: h = x·W, h·Wᵀ forward; dPreᵀ·h, dPre·W, xᵀ·dh backward
        double flops = 5 * 2.0 * cfg.nInstances() * batch * cfg.nFeatures() * cfg.nHidden();
        line(String.format("- %d rounds × 3 calls per variant, interleaved; SGEMM peak %.1f GFLOP/s (thread CPU);"
                + " TMS matmul work %.3f GFLOP/step", rounds, peak / 1e9, flops / 1e9));
        line("");
        line("| variant | CPU ms (median) | p10–p90 | wall ms (median) | % of SGEMM peak (full step) |");
        line("|---|---|---|---|---|");
        for (int v = 0; v < names.size(); v++) {
            double c = median(cpu.get(v));
            String share = names.get(v).endsWith("full step")
                    ? String.format("%.1f %%", 100 * flops / (c * 1e-3) / peak) : "";
            line(String.format("| %s | %.2f | %.2f–%.2f | %.2f | %s |", names.get(v), c, pct(cpu.get(v), 0.1),
                    pct(cpu.get(v), 0.9), median(wall.get(v)), share));
        }
        double speedup = median(cpu.get(names.indexOf("old: full step")))
                / median(cpu.get(names.indexOf("new: full step")));
        line("");
        line(String.format("Full step, old ÷ new (CPU medians): **%.1f×**; load average at end: %s", speedup,
                Bench.loadAverage()));
        return md.toString();
    }

    private static void fullStep(Tms.Config cfg, Side s, INDArray x, boolean nd4jOps) {
        Tms model = new Tms(cfg, s.weights);
        if (nd4jOps) {
            model.withNd4jOps();
        }
        Tms.Output out = model.lossAndGradients(x, model.dropoutMask((int) x.size(1), s.rng));
        s.adam.step(out.grads(), 1e-3, ++s.step);
    }

    /** An in-process Trainer run of the preset: thread CPU and wall seconds, the final test loss. */
    static String train(long steps, String act) {
        KernelThreads.set(1);
        ExperimentSpec spec = preset(act, steps);
        double[] last = {Double.NaN};
        TrainingListener quiet = new TrainingListener() {
            @Override
            public void onEval(long step, long totalSteps, Map<String, Double> metrics) {
                last[0] = metrics.getOrDefault("test_loss", Double.NaN);
            }

            @Override
            public void onCheckpoint(ModelState state, Map<String, Double> metrics, boolean isFinal) {
            }

            @Override
            public boolean cancelRequested() {
                return false;
            }
        };
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime();
        Trainer.train(spec, null, quiet);
        double cpuS = (mx.getCurrentThreadCpuTime() - c0) / 1e9, wallS = (System.nanoTime() - t0) / 1e9;
        String s = String.format("tms-sparsity (%s), %d steps in process: thread CPU %.1f s (%.2f ms/step), wall"
                + " %.1f s; final test_loss %.5f; load average %s", act, steps, cpuS, 1e3 * cpuS / steps, wallS,
                last[0], Bench.loadAverage());
        System.out.println(s);
        return s + "\n";
    }

    private static double median(List<Double> v) {
        return pct(v, 0.5);
    }

    private static double pct(List<Double> v, double q) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        return s.get((int) Math.round(q * (s.size() - 1)));
    }

    /** {@code Bench tms [rounds] [act]} and {@code Bench tms-train [steps] [act]}. */
    static String command(String mode, List<String> rest) {
        String act = rest.size() < 2 ? "relu" : rest.get(1);
        return "tms-train".equals(mode)
                ? train(rest.isEmpty() ? 1000 : Long.parseLong(rest.get(0)), act)
                : new TmsStep(rest.isEmpty() ? 15 : Integer.parseInt(rest.get(0)), act).run();
    }
}
