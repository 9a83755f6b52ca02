package org.interplab.core.train;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.model.Transformer;
import org.interplab.core.model.kernels.KernelThreads;
import org.interplab.core.task.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Timing harness for the addition preset's training step as the product runs it ({@link TransformerProblem} +
 * {@link Adam}), without libtorch (the benchmarks module needs DJL): SGEMM 1024³ into an f-order result (the peak),
 * the step with 1 shard, the step with 2 batch shards, and the forward pass the evaluation runs (1024 sequences),
 * interleaved round by round; thread CPU, process CPU and wall ms, medians. Run with the OMP_NUM_THREADS and
 * LAB_KERNEL_THREADS to measure. Arguments: [rounds=15] [reps=3] [seconds-of-steps-only (for a profiler, or the
 * steady-state ms per step; -Dshards=n for n batch shards, -DndThreads=n to narrow ND4J's and BLAS's threads as
 * the trainer does, -Dbatch=n for another batch size, -Dwarmup=s for s seconds of untimed steps first, -Dfrom=f
 * to start from the weights in a checkpoint's model.safetensors, e.g. a late one of a product run), 0]. Two of
 * these at once with -Dbatch=128 time what two shards would take if nothing in the JVM were shared (docs/benchmarks.md).
 */
public final class AdditionStepProfile {
    private static final ThreadMXBean T = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public static void main(String[] a) {
        int rounds = a.length > 0 ? Integer.parseInt(a[0]) : 15;
        int reps = a.length > 1 ? Integer.parseInt(a[1]) : 3;
        double profileSeconds = a.length > 2 ? Double.parseDouble(a[2]) : 0;
        ExperimentSpec spec = Presets.expand("addition", null, null);
        TransformerProblem problem = new TransformerProblem(spec);
        Map<String, INDArray> start = problem.init(spec.seed());
        String checkpoint = System.getProperty("from"); // -Dfrom=model.safetensors: a checkpoint's weights (a trained model)
        if (checkpoint != null) {
            try {
                var file = org.interplab.core.checkpoint.Safetensors.read(java.nio.file.Path.of(checkpoint));
                start.replaceAll((name, w) -> file.tensors().get(name).castTo(w.dataType()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        Adam.FlatParams flat = new Adam.FlatParams(start);
        Map<String, INDArray> w = flat.views();
        Adam adam = new Adam(flat, true, 0.9, 0.98, 0.01);
        int batch = Integer.getInteger("batch", spec.training().batchSize()); // -Dbatch=128: one shard's share
        int[] order = new int[problem.trainSize()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        new Rng(7).shuffle(order);
        long[] step = {0};
        Rng rng = new Rng(11);
        Runnable train = () -> {
            int from = (int) ((step[0] * batch) % (order.length - batch));
            int[] idx = Arrays.copyOfRange(order, from, from + batch);
            Problem.StepResult r = problem.trainStep(w, idx, rng, step[0], false);
            adam.step(r.grads(), 1e-3, ++step[0]);
        };
        Transformer.Config cfg = Transformer.Config.of(spec.model());
        int n = 1024;
        INDArray ga = Nd4j.rand(DataType.FLOAT, n, n), gb = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray gc = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, n}, 'f');
        var evalBatch = new org.interplab.core.task.AdditionTask(spec.task(), spec.seed()).test();
        int[] evalIdx = new int[Math.min(1024, evalBatch.size())];
        for (int i = 0; i < evalIdx.length; i++) {
            evalIdx[i] = i;
        }
        var evalChunk = evalBatch.rows(evalIdx, 0, evalIdx.length);
        String[] names = {"SGEMM 1024³ f-order", "addition step, 1 shard", "addition step, 2 batch shards",
            "eval forward, 1024 seqs", "addition step, 1 shard, whole pass (no loss window)"};
        Runnable[] vs = {() -> ga.mmuli(gb, gc), () -> {
            BatchShards.set(1);
            train.run();
        }, () -> {
            BatchShards.set(2);
            train.run();
        }, () -> new Transformer(cfg, w).loss(evalChunk), () -> {
            BatchShards.set(1);
            lossWindow(false);
            train.run();
            lossWindow(true);
        }};
        if (profileSeconds > 0) {
            BatchShards.set(Integer.getInteger("shards", 1));
            Integer ndThreads = Integer.getInteger("ndThreads"); // as the trainer's ComputeThreads narrows them
            if (ndThreads != null) {
                Nd4j.getEnvironment().setMaxThreads(ndThreads);
                Nd4j.factory().blas().setMaxThreads(ndThreads);
            }
            // -Dwarmup=s: seconds of steps before the timed ones (the JIT compiles the step for the first tens of s)
            long warm = System.nanoTime() + (long) (Double.parseDouble(System.getProperty("warmup", "0")) * 1e9);
            while (System.nanoTime() < warm) {
                train.run();
            }
            long end = System.nanoTime() + (long) (profileSeconds * 1e9);
            int steps = 0;
            while (System.nanoTime() < end) {
                train.run();
                steps++;
            }
            System.out.printf("profiled steps: %d (%.2f ms per step, steady state)%n", steps,
                    profileSeconds * 1000 / steps);
            return;
        }
        List<List<double[]>> m = new ArrayList<>();
        for (Runnable v : vs) {
            m.add(new ArrayList<>());
            for (int i = 0; i < 3; i++) {
                v.run();
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int v = 0; v < vs.length; v++) {
                long c0 = T.getCurrentThreadCpuTime(), p0 = OS.getProcessCpuTime(), t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    vs[v].run();
                }
                m.get(v).add(new double[] {(T.getCurrentThreadCpuTime() - c0) / 1e6 / reps,
                    (OS.getProcessCpuTime() - p0) / 1e6 / reps, (System.nanoTime() - t0) / 1e6 / reps});
            }
        }
        double sgemm = 2.0 * n * n * n;
        double t = cfg.nCtx(), nt = batch * t, d = cfg.dModel(), hd = (double) cfg.nHeads() * cfg.dHead();
        double stepFlops = 3 * 2 * (nt * (3 * d * hd + hd * d + d * cfg.dVocabOut())
                + 2.0 * batch * cfg.nHeads() * t * t * cfg.dHead());
        double peakCpu = sgemm / median(m.get(0), 1) / 1e6, peakWall = sgemm / median(m.get(0), 2) / 1e6;
        System.out.printf("OMP_NUM_THREADS=%s kernel threads %d, %d rounds × %d reps, load %s%n",
                System.getenv("OMP_NUM_THREADS"), KernelThreads.get(), rounds, reps, load());
        System.out.println("| workload | thread CPU ms | process CPU ms | wall ms | % of SGEMM peak by process CPU |"
                + " % of SGEMM peak by wall |");
        System.out.println("|---|---|---|---|---|---|");
        for (int v = 0; v < vs.length; v++) {
            double f = v == 0 ? sgemm : v < 3 || v == 4 ? stepFlops : Double.NaN;
            System.out.printf("| %s | %.2f | %.2f | %.2f | %.1f %% | %.1f %% |%n", names[v], median(m.get(v), 0),
                    median(m.get(v), 1), median(m.get(v), 2), 100 * f / median(m.get(v), 1) / 1e6 / peakCpu,
                    100 * f / median(m.get(v), 2) / 1e6 / peakWall);
        }
        System.exit(0);
    }

    /** Transformer.useLossWindow (package-private in the model package), for the side-by-side variant. */
    private static void lossWindow(boolean on) {
        try {
            var f = Transformer.class.getDeclaredField("useLossWindow");
            f.setAccessible(true);
            f.setBoolean(null, on);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double median(List<double[]> rows, int col) {
        double[] v = rows.stream().mapToDouble(r -> r[col]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static String load() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
