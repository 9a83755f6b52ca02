package org.interplab.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.interplab.core.model.kernels.KernelThreads;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one-core comparison measured by the calling thread's CPU clock: with {@code OMP_NUM_THREADS=1}, one Java
 * kernel thread and one libtorch intra-op thread every op of both engines runs on the calling thread, so its CPU
 * time is each step's whole cost, at nanosecond resolution, whatever else the shared machine runs (the process CPU
 * clock of {@code Bench speed} ticks in 10 ms steps, and wall time on a loaded machine measures the load). SGEMM
 * 1024³ (ND4J into an f-order result, libtorch) and the addition step (ND4J as the product runs it, libtorch),
 * interleaved round by round, 3 calls per round and variant.
 */
final class StepCpu {
    private final int rounds;
    private final StringBuilder md = new StringBuilder();

    StepCpu(int rounds) {
        this.rounds = rounds;
    }

    private void line(String s) {
        System.out.println(s);
        md.append(s).append('\n');
    }

    String run() {
        String omp = System.getenv("OMP_NUM_THREADS");
        if (!"1".equals(omp) || TorchModel.threads() != 1) {
            throw new IllegalStateException("step-cpu needs OMP_NUM_THREADS=1 (was " + omp + ")");
        }
        KernelThreads.set(1);
        line("## One-core step by thread CPU time (" + java.time.LocalDateTime.now().withNano(0) + ")");
        line("");
        line("- machine: " + Bench.machine() + "; load average at start: " + Bench.loadAverage());
        AdditionSetup add = new AdditionSetup(40);
        Nd4jAddition nd = new Nd4jAddition(add);
        TorchAddition pt = new TorchAddition(add, add.init());
        int n = 1024;
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n), b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.createUninitialized(DataType.FLOAT, new long[] {n, n}, 'f');
        NDManager tm = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        NDArray ta = tm.randomUniform(0f, 1f, new Shape(n, n)), tb = tm.randomUniform(0f, 1f, new Shape(n, n));
        int[] bi = {0, 0};
        String[] names = {"SGEMM 1024³, ND4J (f-order result)", "SGEMM 1024³, libtorch",
            "addition step, ND4J (the product's step)", "addition step, libtorch"};
        Runnable[] vs = {() -> a.mmuli(b, c), () -> {
            try (NDArray r = ta.matMul(tb)) {
                r.getFloat(0, 0);
            }
        }, () -> nd.step(add.batches.get(bi[0]++ % add.batches.size())),
            () -> pt.step(add.batches.get(bi[1]++ % add.batches.size()))};
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<List<Double>> cpu = new ArrayList<>(), wall = new ArrayList<>();
        for (Runnable v : vs) {
            cpu.add(new ArrayList<>());
            wall.add(new ArrayList<>());
            for (int w = 0; w < 3; w++) {
                v.run();
            }
        }
        long started = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            for (int v = 0; v < vs.length; v++) {
                int reps = 3;
                long c0 = mx.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    vs[v].run();
                }
                cpu.get(v).add((mx.getCurrentThreadCpuTime() - c0) / 1e6 / reps);
                wall.get(v).add((System.nanoTime() - t0) / 1e6 / reps);
            }
        }
        double sgemm = 2.0 * n * n * n, step = AdditionSetup.stepFlops(add.cfg, add.spec.training().batchSize());
        double peak = sgemm / Bench.median(cpu.get(0)) / 1e6;
        line("- " + rounds + " interleaved rounds; medians; thread CPU ms is the calling thread's CPU clock");
        line("");
        line("| workload | thread CPU ms (median) | p10–p90 | wall ms (median) | GFLOP/s by CPU | % of ND4J SGEMM |");
        line("|---|---|---|---|---|---|");
        for (int v = 0; v < vs.length; v++) {
            double med = Bench.median(cpu.get(v));
            double gflops = (v < 2 ? sgemm : step) / med / 1e6;
            line(String.format("| %s | %.2f | %.2f–%.2f | %.2f | %.1f | %.1f %% |", names[v], med,
                    Bench.quantile(cpu.get(v), 0.1), Bench.quantile(cpu.get(v), 0.9), Bench.median(wall.get(v)),
                    gflops, 100 * gflops / peak));
        }
        line("");
        line(String.format("- addition step, ND4J ÷ libtorch by thread CPU: **%.2f×**; load average at end: %s; "
                + "%.0f s", Bench.median(cpu.get(2)) / Bench.median(cpu.get(3)), Bench.loadAverage(),
                (System.nanoTime() - started) / 1e9));
        pt.close();
        tm.close();
        return md.toString();
    }
}
