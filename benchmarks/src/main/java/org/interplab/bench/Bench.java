package org.interplab.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Training-speed benchmark: ND4J (interp-core's hand-written model) against the machine's SGEMM rate and against
 * the same models on libtorch (DJL, offline), all interleaved in one JVM run; reports medians and ratios.
 *
 * <pre>
 *   Bench [run] [rounds] [stepsPerRound] [--out file.md]   the comparison table + the ND4J profile
 *   Bench addition-long &lt;minutes&gt; [--out file.md]          trains the addition preset with interp-core's Trainer
 *   Bench speed [rounds] [lmBatch] [--out file.md]         SGEMM, addition step, fused attention kernel, LM step
 *   Bench step-cpu [rounds] [--out file.md]                 one-core SGEMM and addition step by thread CPU time
 * </pre>
 */
public final class Bench {

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        Path out = null;
        int o = rest.indexOf("--out");
        if (o >= 0) {
            out = Path.of(rest.get(o + 1));
            rest.remove(o + 1);
            rest.remove(o);
        }
        String mode = rest.isEmpty() ? "run" : rest.remove(0);
        if (mode.matches("\\d+")) {
            rest.add(0, mode);
            mode = "run";
        }
        String md = switch (mode) {
            case "run" -> new Comparison(rest.isEmpty() ? 25 : Integer.parseInt(rest.get(0)),
                    rest.size() < 2 ? 4 : Integer.parseInt(rest.get(1))).run();
            case "profile" -> new Comparison(rest.isEmpty() ? 10 : Integer.parseInt(rest.get(0)), 1).profileOnly();
            case "speed" -> new Speed(rest.isEmpty() ? 9 : Integer.parseInt(rest.get(0)),
                    rest.size() < 2 ? LmSetup.presetBatch() : Integer.parseInt(rest.get(1))).run();
            case "addition-long" -> AdditionLong.run(rest.isEmpty() ? 10 : Double.parseDouble(rest.get(0)));
            case "tms", "tms-train" -> TmsStep.command(mode, rest);
            case "step-cpu" -> new StepCpu(rest.isEmpty() ? 15 : Integer.parseInt(rest.get(0))).run();
            default -> throw new IllegalArgumentException("unknown mode " + mode
                    + "; use: run [rounds] [steps] | speed [rounds] [lmBatch] | step-cpu [rounds]"
                    + " | addition-long <minutes>  [--out file.md]");
        };
        if (out != null) {
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Files.writeString(out, md);
            System.out.println("written to " + out);
        }
        System.exit(0);
    }

    // ------------------------------------------------------------------ shared helpers

    /**
     * A workload timed {@code reps} calls of {@code body} per round, after {@code leadIn} calls per round that are not
     * timed: the steps right after another variant ran start slow (caches, and on a VM the cores ramping up after
     * another engine's threads idled them: the two-shard addition step's first 2–3 steps of a round took 15–18 ms
     * against ≈ 10 ms after), which is not how a training run's steps go.
     */
    record Variant(String name, int reps, Runnable body, int leadIn) {
        Variant(String name, int reps, Runnable body) {
            this(name, reps, body, 0);
        }
    }

    /** Suffix of the per-round process CPU-ms that {@link #interleave} records beside each variant's wall ms. */
    static final String CPU = "/cpu";

    /**
     * Warm-up, then {@code nRounds} rounds; each round runs every variant {@code reps} times, the order rotated from
     * round to round; returns per variant the ms per call of every round.
     */
    static Map<String, List<Double>> interleave(List<Variant> vs, int warmup, int nRounds) {
        for (Variant v : vs) {
            for (int i = 0; i < warmup; i++) {
                v.body.run();
            }
        }
        Map<String, List<Double>> ms = new LinkedHashMap<>();
        vs.forEach(v -> ms.put(v.name, new ArrayList<>()));
        for (int r = 0; r < nRounds; r++) {
            for (int j = 0; j < vs.size(); j++) {
                Variant v = vs.get((j + r) % vs.size());
                for (int i = 0; i < v.leadIn; i++) {
                    v.body.run();
                }
                long t0 = System.nanoTime();
                double c0 = cpuSeconds();
                for (int i = 0; i < v.reps; i++) {
                    v.body.run();
                }
                ms.get(v.name).add((System.nanoTime() - t0) / 1e6 / v.reps);
                // the process's CPU time over the same calls: what the work cost, whatever else the machine runs
                ms.computeIfAbsent(v.name + CPU, k -> new ArrayList<>()).add((cpuSeconds() - c0) * 1e3 / v.reps);
            }
            if (r % 5 == 4 || nRounds <= 10) {
                System.out.printf("  round %d/%d%n", r + 1, nRounds);
            }
        }
        return ms;
    }

    static String machine() {
        String cpu = "?";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        } catch (IOException ignored) {
            // not Linux
        }
        return String.format("%d CPUs (%s), Java %s, OMP_NUM_THREADS=%s, ND4J %s backend",
                Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("java.version"),
                System.getenv("OMP_NUM_THREADS"), Nd4j.getBackend().getClass().getSimpleName());
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /** CPU seconds this JVM has used (all threads), to tell a slow machine from a busy one. */
    static double cpuSeconds() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean b ? b.getProcessCpuTime() / 1e9 : Double.NaN;
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static double quantile(List<Double> xs, double q) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a[(int) Math.min(a.length - 1, Math.round(q * (a.length - 1)))];
    }

    static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    /** max |a − b| / max |a|: the gradient mismatch relative to the gradient's scale. */
    static double relErr(float[] a, float[] b) {
        double diff = 0, scale = 1e-30;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        return diff / scale;
    }

    // ------------------------------------------------------------------ the comparison

    static final class Comparison {
        private final int rounds;
        private final int steps;
        private final StringBuilder md = new StringBuilder();

        Comparison(int rounds, int steps) {
            this.rounds = rounds;
            this.steps = steps;
        }

        private void line(String s) {
            System.out.println(s);
            md.append(s).append('\n');
        }

        String run() {
            long started = System.currentTimeMillis();
            line("## Benchmark run (" + java.time.LocalDateTime.now().withNano(0) + ")");
            line("");
            line("- machine: " + machine());
            line("- libtorch intra-op threads (DJL " + ai.djl.engine.Engine.getEngine("PyTorch").getVersion()
                    + "): " + TorchModel.threads());
            line("- load average at start: " + loadAverage());
            line("- " + rounds + " interleaved rounds after warm-up; " + steps
                    + " steps per variant per round; medians of the per-round ms/step");
            line("");

            AdditionSetup add = new AdditionSetup(40);
            Nd4jAddition nd = new Nd4jAddition(add);
            TorchAddition pt = new TorchAddition(add, add.init());
            Random rnd = new Random(7);
            float[] w0 = new float[Nd4jTms.INSTANCES * Nd4jTms.FEATURES * Nd4jTms.HIDDEN];
            double xavier = Math.sqrt(2.0 / (Nd4jTms.FEATURES + Nd4jTms.HIDDEN));
            for (int i = 0; i < w0.length; i++) {
                w0[i] = (float) (rnd.nextGaussian() * xavier);
            }
            Nd4jTms ndTms = new Nd4jTms(w0);
            TorchTms ptTms = new TorchTms(w0);

            // ---- the two engines compute the same thing: loss and gradients at identical weights and data
            line("### Cross-check (identical weights and batch, before any update)");
            line("");
            line("| model | ND4J loss | libtorch loss | max rel. gradient difference |");
            line("|---|---|---|---|");
            TokenBatch b0 = add.batches.get(0);
            Transformer.Output ndOut = nd.forwardBackward(b0);
            TorchModel.LossGrads ptOut = pt.lossAndGradients(b0);
            double worst = 0;
            String worstName = "";
            double bK = 0;
            for (var e : ndOut.grads().entrySet()) {
                float[] a = floats(e.getValue());
                if (e.getKey().endsWith("attn.b_K")) { // analytically 0: q·b_K is constant along each softmax row
                    for (float v : a) {
                        bK = Math.max(bK, Math.abs(v));
                    }
                    continue;
                }
                double err = relErr(a, ptOut.grads().get(e.getKey()));
                if (err > worst) {
                    worst = err;
                    worstName = e.getKey();
                }
            }
            line(String.format("| addition | %.6f | %.6f | %.2e (%s; b_K skipped: its gradient is 0 in exact "
                    + "arithmetic, ND4J gives max %.1e) |", ndOut.loss(), ptOut.loss(), worst, worstName, bK));
            INDArray x0 = ndTms.batch();
            org.interplab.core.model.Tms.Output ndT = ndTms.lossAndGradients(x0);
            TorchTms.LossGrads ptT = ptTms.lossAndGradients(floats(x0));
            worst = 0;
            for (var e : ndT.grads().entrySet()) {
                worst = Math.max(worst, relErr(floats(e.getValue()), ptT.grads().get(e.getKey())));
            }
            line(String.format("| tms (20 instances) | %.6f | %.6f | %.2e |", ndT.loss(), ptT.loss(), worst));
            line("");

            // ---- the main interleaved measurement
            int n = 1024;
            INDArray ga = Nd4j.rand(DataType.FLOAT, n, n), gb = Nd4j.rand(DataType.FLOAT, n, n);
            INDArray gc = Nd4j.createUninitialized(DataType.FLOAT, n, n);
            NDManager tm = ptTms.manager();
            NDArray ta = tm.randomUniform(0f, 1f, new Shape(n, n)), tb = tm.randomUniform(0f, 1f, new Shape(n, n));
            int[] bi = {0, 0, 0};
            // the same interp-core code, run inside an ND4J workspace (a candidate route; own weights and optimizer)
            Nd4jAddition ndWs = new Nd4jAddition(add);
            Nd4jTms ndTmsWs = new Nd4jTms(w0);
            Workspace wsAdd = new Workspace("bench-addition"), wsTms = new Workspace("bench-tms");
            List<Variant> vs = List.of(
                    new Variant("sgemm-nd4j", steps, () -> ga.mmuli(gb, gc)),
                    new Variant("sgemm-torch", steps, () -> {
                        try (NDArray c = ta.matMul(tb)) {
                            c.getFloat(0, 0);
                        }
                    }),
                    new Variant("addition-nd4j", steps, () -> nd.step(add.batches.get(bi[0]++ % add.batches.size()))),
                    new Variant("addition-torch", steps, () -> pt.step(add.batches.get(bi[1]++ % add.batches.size()))),
                    new Variant("tms-nd4j", steps, () -> ndTms.step(ndTms.batch())),
                    new Variant("tms-torch", steps, () -> ptTms.step(null)),
                    new Variant("addition-nd4j-ws", steps,
                            () -> wsAdd.run(() -> ndWs.step(add.batches.get(bi[2]++ % add.batches.size())))),
                    new Variant("tms-nd4j-ws", steps, () -> wsTms.run(() -> ndTmsWs.step(ndTmsWs.batch()))));
            Map<String, List<Double>> ms = interleave(vs, 5, rounds);

            double sgemmFlops = 2.0 * n * n * n;
            double addFlops = AdditionSetup.stepFlops(add.cfg, add.spec.training().batchSize());
            double tmsFlops = Nd4jTms.stepFlops();
            double peakNd = sgemmFlops / median(ms.get("sgemm-nd4j")) / 1e6;
            double peakPt = sgemmFlops / median(ms.get("sgemm-torch")) / 1e6;
            line("### Training step, medians");
            line("");
            line(String.format("FLOPs per step (analytic, matmuls only): addition %.3f GFLOP, TMS %.3f GFLOP, "
                    + "SGEMM 1024³ %.3f GFLOP.", addFlops / 1e9, tmsFlops / 1e9, sgemmFlops / 1e9));
            line("");
            line("| workload | engine | ms/step (median) | p10–p90 | GFLOP/s | % of ND4J SGEMM | time ÷ libtorch time |");
            line("|---|---|---|---|---|---|---|");
            row("SGEMM 1024×1024", "ND4J", ms.get("sgemm-nd4j"), sgemmFlops, peakNd, ms.get("sgemm-torch"));
            row("SGEMM 1024×1024", "libtorch", ms.get("sgemm-torch"), sgemmFlops, peakNd, null);
            row("addition (seed 001), batch 256", "ND4J", ms.get("addition-nd4j"), addFlops, peakNd,
                    ms.get("addition-torch"));
            row("addition (seed 001), batch 256", "ND4J in a workspace", ms.get("addition-nd4j-ws"), addFlops,
                    peakNd, ms.get("addition-torch"));
            row("addition (seed 001), batch 256", "libtorch", ms.get("addition-torch"), addFlops, peakNd, null);
            row("TMS 20×(100→20), batch 1024", "ND4J", ms.get("tms-nd4j"), tmsFlops, peakNd, ms.get("tms-torch"));
            row("TMS 20×(100→20), batch 1024", "ND4J in a workspace", ms.get("tms-nd4j-ws"), tmsFlops, peakNd,
                    ms.get("tms-torch"));
            row("TMS 20×(100→20), batch 1024", "libtorch", ms.get("tms-torch"), tmsFlops, peakNd, null);
            line("");
            line(String.format("SGEMM rate: ND4J %.1f GFLOP/s, libtorch %.1f GFLOP/s.", peakNd, peakPt));
            line("");

            profile(add, nd, pt);
            profileTms(ndTms);
            line("");
            double wallS = (System.currentTimeMillis() - started) / 1000.0;
            line(String.format("- load average at end: %s; wall time of this run %.0f s; this JVM used %.0f CPU-s "
                    + "(%.2f cores on average)", loadAverage(), wallS, cpuSeconds(), cpuSeconds() / wallS));
            pt.close();
            ptTms.close();
            return md.toString();
        }

        String profileOnly() {
            line("- machine: " + machine() + "; load average " + loadAverage());
            AdditionSetup add = new AdditionSetup(4);
            Nd4jAddition nd = new Nd4jAddition(add);
            TorchAddition pt = new TorchAddition(add, add.init());
            profile(add, nd, pt);
            float[] w0 = new float[Nd4jTms.INSTANCES * Nd4jTms.FEATURES * Nd4jTms.HIDDEN];
            Random rnd = new Random(7);
            for (int i = 0; i < w0.length; i++) {
                w0[i] = (float) (rnd.nextGaussian() * 0.2);
            }
            profileTms(new Nd4jTms(w0));
            pt.close();
            return md.toString();
        }

        private void row(String workload, String engine, List<Double> ms, double flops, double peak,
                         List<Double> torchTimes) {
            double med = median(ms);
            double gflops = flops / med / 1e6;
            String ratio = torchTimes == null ? "" : String.format("%.2f×", med / median(torchTimes));
            line(String.format("| %s | %s | %.2f | %.2f–%.2f | %.1f | %.1f %% | %s |", workload, engine, med,
                    quantile(ms, 0.1), quantile(ms, 0.9), gflops, 100 * gflops / peak, ratio));
        }

        // ------------------------------------------------------------------ where the ND4J time goes

        private void profile(AdditionSetup add, Nd4jAddition nd, TorchAddition pt) {
            TokenBatch b = add.batches.get(1);
            Transformer.Output g = nd.forwardBackward(b);
            int prounds = Math.max(6, rounds / 2);
            Map<String, List<Double>> phases = interleave(List.of(
                    new Variant("forward+loss", 3, () -> nd.forwardLoss(b)),
                    new Variant("forward+loss+backward", 3, () -> nd.forwardBackward(b)),
                    new Variant("adamw", 3, () -> nd.adamOnly(g.grads())),
                    new Variant("full step", 3, () -> nd.step(b))), 2, prounds);
            double fwd = median(phases.get("forward+loss"));
            double fb = median(phases.get("forward+loss+backward"));
            double adam = median(phases.get("adamw"));
            double full = median(phases.get("full step"));
            line("### Profile of the ND4J addition step (medians, ms)");
            line("");
            line("| phase | ms | share of full step |");
            line("|---|---|---|");
            line(String.format("| forward + loss (`Transformer.loss`) | %.2f | %.0f %% |", fwd, 100 * fwd / full));
            line(String.format("| backward (difference `lossAndGradients` − `loss`) | %.2f | %.0f %% |", fb - fwd,
                    100 * (fb - fwd) / full));
            line(String.format("| AdamW (`Adam.step`, flat buffer) | %.2f | %.0f %% |", adam, 100 * adam / full));
            line(String.format("| full step | %.2f | 100 %% |", full));
            line("");

            // the model's individual operations at the addition shapes, ND4J beside libtorch
            int bs = 256, t = 19, h = 32, dh = 2, d = 128, nTok = bs * t, bh = bs * h;
            INDArray x = Nd4j.rand(DataType.FLOAT, nTok, d);
            INDArray wqkv = Nd4j.rand(DataType.FLOAT, d, 3 * h * dh);
            INDArray qkv = Nd4j.rand(DataType.FLOAT, nTok, 3 * h * dh);
            INDArray q = Nd4j.rand(DataType.FLOAT, bh, t, dh), k = Nd4j.rand(DataType.FLOAT, bh, t, dh);
            INDArray pat = Nd4j.rand(DataType.FLOAT, bh, t, t);
            INDArray rows = Nd4j.rand(DataType.FLOAT, (long) bh * t, t);
            INDArray z = Nd4j.rand(DataType.FLOAT, nTok, h * dh), wo = Nd4j.rand(DataType.FLOAT, h * dh, d);
            INDArray oneHot = Nd4j.rand(DataType.FLOAT, nTok, 12), we = Nd4j.rand(DataType.FLOAT, 12, d);
            INDArray maskRow = Nd4j.rand(DataType.FLOAT, 1, t * t);
            NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
            NDArray tx = m.randomUniform(0f, 1f, new Shape(nTok, d));
            NDArray twqkv = m.randomUniform(0f, 1f, new Shape(d, 3 * h * dh));
            NDArray tq = m.randomUniform(0f, 1f, new Shape(bh, t, dh)), tk = m.randomUniform(0f, 1f, new Shape(bh, t, dh));
            NDArray tpat = m.randomUniform(0f, 1f, new Shape(bh, t, t));
            NDArray trows = m.randomUniform(0f, 1f, new Shape((long) bh * t, t));
            NDArray tz = m.randomUniform(0f, 1f, new Shape(nTok, h * dh)), two = m.randomUniform(0f, 1f, new Shape(h * dh, d));
            List<Variant> ops = new ArrayList<>();
            ops.add(new Variant("QKV GEMM [4864×128]·[128×192]|nd", 5, () -> x.mmul(wqkv)));
            ops.add(new Variant("QKV GEMM [4864×128]·[128×192]|pt", 5, () -> close(tx.matMul(twqkv))));
            ops.add(new Variant("W_O GEMM [4864×64]·[64×128]|nd", 5, () -> z.mmul(wo)));
            ops.add(new Variant("W_O GEMM [4864×64]·[64×128]|pt", 5, () -> close(tz.matMul(two))));
            ops.add(new Variant("one-hot embed GEMM [4864×12]·[12×128]|nd", 5, () -> oneHot.mmul(we)));
            ops.add(new Variant("scores q·kᵀ, 8192 × [19×2]·[2×19]|nd", 5,
                    () -> Nd4j.matmul(q, k, false, true, false)));
            ops.add(new Variant("scores q·kᵀ, 8192 × [19×2]·[2×19]|pt", 5,
                    () -> close(tq.matMul(tk.transpose(0, 2, 1)))));
            ops.add(new Variant("pattern·v, 8192 × [19×19]·[19×2]|nd", 5, () -> Nd4j.matmul(pat, q)));
            ops.add(new Variant("pattern·v, 8192 × [19×19]·[19×2]|pt", 5, () -> close(tpat.matMul(tq))));
            ops.add(new Variant("patternᵀ·dz (backward), 8192 × [19×19]ᵀ·[19×2]|nd", 5,
                    () -> Nd4j.matmul(pat, q, true, false, false)));
            ops.add(new Variant("softmax over 155 648 rows of 19|nd", 5,
                    () -> Nd4j.exec(new SoftMax(rows, rows.ulike(), 1))));
            ops.add(new Variant("softmax over 155 648 rows of 19|pt", 5, () -> close(trows.softmax(-1))));
            ops.add(new Variant("mask add (addiRowVector) [8192×361]|nd", 5,
                    () -> pat.reshape((long) bh, (long) t * t).addiRowVector(maskRow)));
            ops.add(new Variant("head split: permute(2,0,3,1,4).dup of [256,19,3,32,2]|nd", 5,
                    () -> qkv.reshape(bs, t, 3, h, dh).permute(2, 0, 3, 1, 4).dup('c')));
            ops.add(new Variant("elementwise mul [8192×19×19]|nd", 5, () -> pat.mul(pat)));
            ops.add(new Variant("elementwise mul [8192×19×19]|pt", 5, () -> close(tpat.mul(tpat))));
            INDArray pat2 = pat.dup();
            NDArray tpat2 = tpat.duplicate();
            ops.add(new Variant("elementwise mul in place (muli) [8192×19×19]|nd", 5, () -> pat2.muli(0.999)));
            ops.add(new Variant("elementwise mul in place (muli) [8192×19×19]|pt", 5, () -> tpat2.muli(0.999f)));
            INDArray out2 = pat.ulike();
            ops.add(new Variant("elementwise mul into a reused buffer [8192×19×19]|nd", 5,
                    () -> Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic
                            .MulOp(pat, pat, out2))));
            // a candidate route within ND4J for d_head = 2: outer products by broadcasting instead of 8192 tiny GEMMs
            INDArray q0 = Nd4j.rand(DataType.FLOAT, bh, t, 1), q1 = Nd4j.rand(DataType.FLOAT, bh, t, 1);
            INDArray k0 = Nd4j.rand(DataType.FLOAT, bh, 1, t), k1 = Nd4j.rand(DataType.FLOAT, bh, 1, t);
            ops.add(new Variant("scores by broadcasting, Σ_c q_c ⊗ k_c (d_head 2)|nd", 5, () -> {
                INDArray sc = Nd4j.createUninitialized(DataType.FLOAT, bh, t, t);
                INDArray tmp = Nd4j.createUninitialized(DataType.FLOAT, bh, t, t);
                Nd4j.exec(new MulOp(q0, k0, sc));
                Nd4j.exec(new MulOp(q1, k1, tmp));
                sc.addi(tmp);
            }));
            ops.add(new Variant("pattern·v by broadcasting, (P ⊙ v_c).sum(−1) per c (d_head 2)|nd", 5, () -> {
                INDArray tmp = Nd4j.createUninitialized(DataType.FLOAT, bh, t, t);
                Nd4j.exec(new MulOp(pat, k0, tmp));
                INDArray z0 = tmp.sum(2);
                Nd4j.exec(new MulOp(pat, k1, tmp));
                INDArray z1 = tmp.sum(2);
            }));
            Map<String, List<Double>> opMs = interleave(ops, 2, prounds);
            line("### Single operations at the addition model's shapes (medians, ms per call)");
            line("");
            line("| operation | ND4J | libtorch | ND4J ÷ libtorch | calls per ND4J step (fwd+bwd) |");
            line("|---|---|---|---|---|");
            Map<String, String> calls = Map.of("QKV GEMM [4864×128]·[128×192]", "3 (fwd, dX, dW)",
                    "W_O GEMM [4864×64]·[64×128]", "3", "one-hot embed GEMM [4864×12]·[12×128]", "2",
                    "scores q·kᵀ, 8192 × [19×2]·[2×19]", "1 (+2 similar in bwd: dq, dk)",
                    "pattern·v, 8192 × [19×19]·[19×2]", "1 (+dPattern in bwd)",
                    "patternᵀ·dz (backward), 8192 × [19×19]ᵀ·[19×2]", "1",
                    "softmax over 155 648 rows of 19", "1 (+ ~4 elementwise ops of this size in bwd)",
                    "mask add (addiRowVector) [8192×361]", "1",
                    "head split: permute(2,0,3,1,4).dup of [256,19,3,32,2]", "2 (merge + split, + z permutes)",
                    "elementwise mul [8192×19×19]", "≈3 in bwd");
            for (String name : opMs.keySet()) {
                if (!name.endsWith("|nd")) {
                    continue;
                }
                String base = name.substring(0, name.length() - 3);
                double a = median(opMs.get(name));
                List<Double> ptMs = opMs.get(base + "|pt");
                String pv = ptMs == null ? "—" : String.format("%.3f", median(ptMs));
                String r = ptMs == null ? "—" : String.format("%.1f×", a / median(ptMs));
                line(String.format("| %s | %.3f | %s | %s | %s |", base, a, pv, r, calls.getOrDefault(base, "")));
            }
            m.close();
        }

        private void profileTms(Nd4jTms tms) {
            INDArray x = tms.batch();
            var g = tms.lossAndGradients(x).grads();
            Map<String, List<Double>> ph = interleave(List.of(
                    new Variant("sampler", 3, tms::batch),
                    new Variant("lossgrad", 3, () -> tms.lossAndGradients(x)),
                    new Variant("adam", 3, () -> tms.adamOnly(g)),
                    new Variant("full", 3, () -> tms.step(tms.batch()))), 2, Math.max(6, rounds / 2));
            double s = median(ph.get("sampler")), lg = median(ph.get("lossgrad")), f = median(ph.get("full"));
            double ad = median(ph.get("adam"));
            line("");
            line("### Profile of the ND4J TMS step (interp-core `Tms`, medians, ms)");
            line("");
            line("| phase | ms | share of full step |");
            line("|---|---|---|");
            line(String.format("| data: `TmsTask.sample` (Java SplitMix64, 2.05 M draws) | %.2f | %.0f %% |", s,
                    100 * s / f));
            line(String.format("| forward + backward (`Tms.lossAndGradients`) | %.2f | %.0f %% |", lg, 100 * lg / f));
            line(String.format("| AdamW (`Adam.step`) | %.2f | %.0f %% |", ad, 100 * ad / f));
            line(String.format("| full step | %.2f | 100 %% |", f));

            // which lines of Tms.lossAndGradients cost the time
            INDArray pre = Nd4j.rand(DataType.FLOAT, Nd4jTms.INSTANCES, Nd4jTms.BATCH, Nd4jTms.FEATURES);
            INDArray b = tms.weights().get("b_final");
            INDArray imp = Nd4j.rand(DataType.FLOAT, 1, 1, Nd4jTms.FEATURES);
            INDArray w = tms.weights().get("W");
            Map<String, List<Double>> tops = interleave(List.of(
                    new Variant("`b_final.reshape(I,1,F).broadcast(I,B,F)` (materialises [20,1024,100])", 3,
                            () -> b.reshape(Nd4jTms.INSTANCES, 1, Nd4jTms.FEATURES).broadcast(pre.shape())),
                    new Variant("`importance.broadcast(I,B,F)`", 3, () -> imp.broadcast(pre.shape())),
                    new Variant("`BroadcastAddOp(pre, b_final, dims 0,2)` in place (alternative)", 3,
                            () -> Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast
                                    .BroadcastAddOp(pre, b, pre, 0, 2))),
                    new Variant("`x.mul(y).sum(1, 2)` on [20,1024,100]", 3, () -> pre.mul(pre).sum(1, 2)),
                    new Variant("batched matmul x·W, 20 × [1024×100]·[100×20]", 3, () -> Nd4j.matmul(pre, w)),
                    new Variant("whole forward+backward written with broadcast ops (this benchmark's own)", 3,
                            () -> tms.ownLossAndGradients(x))), 2, Math.max(6, rounds / 2));
            line("");
            line("| operation in the TMS step | ND4J ms (median) |");
            line("|---|---|");
            tops.forEach((name, v) -> line(String.format("| %s | %.2f |", name, median(v))));
        }

        private static void close(NDArray a) {
            a.close(); // libtorch CPU ops are synchronous: the result exists when the call returns
        }
    }
}
