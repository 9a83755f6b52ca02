package org.interplab.core.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.corpus.StoryGenerator;
import org.interplab.core.corpus.TokenCorpus;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Timing harness for one training step (loss, gradients and the AdamW update) of an LM preset at its own shapes on generated
 * stories, and for generating + tokenizing the built-in corpus. Prints medians; asserts nothing about time. Run with
 * {@code mvn -o -pl interp-core -am test -Dtest=LmStepTiming -Dtiming=true -Dsurefire.failIfNoSpecifiedTests=false}
 * ({@code -Dpreset=tinystories-2l} for another preset).
 */
class LmStepTiming {
    static final int WARMUP = 3, RUNS = 10;

    @Test
    @EnabledIfSystemProperty(named = "timing", matches = "true")
    void lmPresetStep() throws Exception {
        long t0 = System.nanoTime();
        ByteArrayOutputStream train = new ByteArrayOutputStream();
        ByteArrayOutputStream validation = new ByteArrayOutputStream();
        var summary = new StoryGenerator(StoryGenerator.DEFAULT_SEED).tokenize(StoryGenerator.DEFAULT_STORIES, train,
                validation, (d, t) -> { });
        System.out.printf("builtin-stories: %d stories, %d tokens generated + tokenized in %.1f s%n",
                summary.stories(), summary.tokens(), (System.nanoTime() - t0) / 1e9);
        char[] tokens = TokenCorpus.readTokens(new ByteArrayInputStream(train.toByteArray()));

        String preset = System.getProperty("preset", "tinystories-1l");
        ExperimentSpec spec = Presets.expand(preset, 1L, null);
        Transformer.Config cfg = Transformer.Config.of(spec.model());
        // as the Trainer holds them: views into Adam's one flat parameter buffer
        Adam.FlatParams flat = new Adam.FlatParams(Transformer.init(cfg, 1L));
        Map<String, INDArray> weights = flat.views();
        var t = spec.training();
        Adam adam = new Adam(flat, "adamw".equals(t.optimizer()), t.beta1(), t.beta2(), t.weightDecay());
        double[] adamMs = new double[RUNS];
        Rng rng = new Rng(1);
        int batch = spec.training().batchSize();
        double[] ms = new double[RUNS];
        double[] cpu = new double[RUNS];
        var threads = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, INDArray> grads = new java.util.LinkedHashMap<>(); // reused, as LmProblem does
        for (int i = 0; i < WARMUP + RUNS; i++) {
            TokenBatch b = LmProblem.trainWindows(tokens, cfg.nCtx(), batch, rng);
            long s = System.nanoTime(), c = threads.getCurrentThreadCpuTime();
            new Transformer(cfg, weights).lossAndGradients(b, false, grads);
            long a = System.nanoTime();
            adam.step(grads, t.lr(), i + 1);
            if (i >= WARMUP) {
                ms[i - WARMUP] = (System.nanoTime() - s) / 1e6;
                cpu[i - WARMUP] = (threads.getCurrentThreadCpuTime() - c) / 1e6;
                adamMs[i - WARMUP] = (System.nanoTime() - a) / 1e6;
            }
        }
        Arrays.sort(ms);
        Arrays.sort(cpu);
        Arrays.sort(adamMs);
        System.out.printf("%s: the AdamW update's share: median %.0f ms%n", preset, adamMs[RUNS / 2]);
        System.out.printf("%s step: median CPU time of the stepping thread %.0f ms (OMP_NUM_THREADS=%s; the wall"
                + " time below depends on the machine's load)%n", preset, cpu[RUNS / 2], System.getenv("OMP_NUM_THREADS"));
        double median = ms[RUNS / 2];
        System.out.printf("%s step (batch %d × n_ctx %d): median %.0f ms, %.0f tokens/s; %d steps ≈ %.1f min%n",
                preset, batch, cfg.nCtx(), median, batch * cfg.nCtx() / (median / 1000), spec.training().steps(),
                spec.training().steps() * median / 60000);
    }
}
