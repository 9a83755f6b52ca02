package org.interplab.core.train;

import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.Rng;
import org.interplab.core.task.SequenceTask;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Timing harness for one training step at the addition preset's shapes (d_model 128, 32 heads × d_head 2, n_ctx
 * 19, batch 256, attention-only). Prints ms per step and per phase (median of 20 after warm-up); asserts nothing
 * about time. Run with {@code OMP_NUM_THREADS=1 mvn -o -pl interp-core test -Dtest=TrainStepTiming -Dtiming=true}.
 */
class TrainStepTiming {
    static final int WARMUP = 5, RUNS = 20;

    @Test
    @EnabledIfSystemProperty(named = "timing", matches = "true")
    void additionPresetStep() {
        for (boolean fast : new boolean[] {false, true, false, true}) {
            org.interplab.core.model.TransformerTuning.fastPaths(fast);
            System.out.print(fast ? "NEW " : "OLD ");
            run();
        }
        org.interplab.core.model.TransformerTuning.fastPaths(true);
    }

    @Test
    @EnabledIfSystemProperty(named = "timing", matches = "profile")
    void profile() {
        ExperimentSpec spec = Presets.expand("addition", 1L, null);
        SequenceTask task = SequenceTask.create(spec.task(), 1L);
        Transformer model = new Transformer(Transformer.Config.of(spec.model()),
                Transformer.init(Transformer.Config.of(spec.model()), 1));
        int[] idx = new int[spec.training().batchSize()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        TokenBatch fixed = task.train().rows(idx, 0, idx.length);
        for (int i = 0; i < 5; i++) {
            model.lossAndGradients(fixed);
        }
        org.nd4j.linalg.profiler.OpProfiler.getInstance().reset();
        Nd4j.getExecutioner().setProfilingMode(org.nd4j.linalg.api.ops.executioner.OpExecutioner.ProfilingMode.ALL);
        long s = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            model.lossAndGradients(fixed);
        }
        System.out.printf("PROFILE 5 steps %.1f ms; step workspace %.1f MB%n", (System.nanoTime() - s) / 1e6,
                Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread("interplab-transformer-step")
                        .getCurrentSize() / 1e6);
        Nd4j.getExecutioner().setProfilingMode(org.nd4j.linalg.api.ops.executioner.OpExecutioner.ProfilingMode.DISABLED);
        org.nd4j.linalg.profiler.OpProfiler.getInstance().printOutDashboard();
    }

    public static void main(String[] args) {
        run();
    }

    static void run() {
        ExperimentSpec spec = Presets.expand("addition", 1L, null);
        TransformerProblem problem = new TransformerProblem(spec);
        Map<String, INDArray> initial = problem.init(1);
        Adam.FlatParams flat = new Adam.FlatParams(initial);
        Map<String, INDArray> weights = flat.views();
        Adam adam = new Adam(flat, true, 0.9, 0.999, 0.01);
        int batch = spec.training().batchSize();
        Rng rng = new Rng(7);
        int n = problem.trainSize();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long[] step = {0};
        Supplier<int[]> indices = () -> {
            int from = (int) ((step[0] * batch) % (n - batch));
            return Arrays.copyOfRange(order, from, from + batch);
        };
        SequenceTask task = SequenceTask.create(spec.task(), 1L);
        Transformer model = new Transformer(Transformer.Config.of(spec.model()), weights);
        TokenBatch fixed = task.train().rows(indices.get(), 0, batch);

        double whole = median(() -> {
            Problem.StepResult r = problem.trainStep(weights, indices.get(), rng, step[0], false);
            adam.step(r.grads(), 1e-3, ++step[0]);
        });
        double batchBuild = median(() -> task.train().rows(indices.get(), 0, batch));
        double forward = median(() -> model.loss(fixed));
        double fwdBwd = median(() -> model.lossAndGradients(fixed));
        Map<String, INDArray> grads = model.lossAndGradients(fixed).grads();
        double adamStep = median(() -> adam.step(grads, 1e-3, ++step[0]));
        double metrics = median(() -> problem.trainStep(weights, indices.get(), rng, step[0], true));
        System.out.printf("TIMING addition step (trainStep + AdamW): %.1f ms | batch rows %.2f | forward+loss %.1f"
                        + " | forward+backward %.1f | adam %.1f | trainStep with metrics %.1f  (OMP_NUM_THREADS=%s)%n",
                whole, batchBuild, forward, fwdBwd, adamStep, metrics, System.getenv("OMP_NUM_THREADS"));
    }

    static double median(Runnable r) {
        for (int i = 0; i < WARMUP; i++) {
            r.run();
        }
        double[] t = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(t);
        return t[RUNS / 2];
    }
}
