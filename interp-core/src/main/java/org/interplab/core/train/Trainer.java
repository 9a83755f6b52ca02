package org.interplab.core.train;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.FieldError;
import org.interplab.contracts.spec.ModelKind;
import org.interplab.contracts.spec.SpecValidator;
import org.interplab.contracts.spec.TaskShapes;
import org.interplab.contracts.spec.TrainingSpec;
import org.interplab.core.model.ModelRegistry;
import org.interplab.core.task.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training loop, top to bottom: build the model and data from the spec, then for each step take a batch,
 * compute loss and gradients, update with Adam/AdamW at the scheduled learning rate; evaluate every
 * {@code evalEvery} steps and at the end; hand out checkpoints on the spec's schedule and a final one.
 *
 * <p>Reproducibility: every random source is seeded from the spec's seed (init, data generation, data order); the
 * data order comes from a {@link Rng} whose state is stored in {@link ModelState#rngState()}, so a run resumed from
 * a checkpoint takes the same batches and ends with the same metrics as an uninterrupted run.
 *
 * <p>Data order: each pass over a fixed training set is a fresh shuffle of the example indices; batches are
 * consecutive slices of it (the last one may be short). {@code rngState} is the generator's state at the start of
 * the pass that contains the next step.
 */
public final class Trainer {

    private Trainer() {
    }

    public static TrainingOutcome train(ExperimentSpec spec, ModelState resumeFrom, TrainingListener listener) {
        List<FieldError> errors = SpecValidator.validate(spec);
        if (!errors.isEmpty()) {
            throw new IllegalArgumentException(errors.stream().map(e -> e.field() + ": " + e.error())
                    .collect(Collectors.joining("; ")));
        }
        Nd4j.getRandom().setSeed(spec.seed());
        return train(spec, resumeFrom, listener, problem(spec));
    }

    /** The loop itself, for a problem already built from the (valid) spec. */
    static TrainingOutcome train(ExperimentSpec spec, ModelState resumeFrom, TrainingListener listener,
                                 Problem problem) {
        TrainingSpec t = spec.training();
        long seed = spec.seed();
        LrSchedule lr = new LrSchedule(t);
        CheckpointSchedule checkpoints = new CheckpointSchedule(t.checkpoints(), t.checkpointEvery());
        long total = t.steps();

        Map<String, INDArray> initial;
        long step;
        Rng dataRng;
        if (resumeFrom == null) {
            initial = problem.init(seed);
            step = 0;
            dataRng = new Rng(Rng.derive(seed, "data-order"));
        } else {
            initial = new LinkedHashMap<>();
            for (String name : problem.init(seed).keySet()) {
                INDArray w = resumeFrom.weights().get(name);
                if (w == null) {
                    throw new IllegalArgumentException("checkpoint to resume from lacks " + name);
                }
                initial.put(name, toWorkingType(w));
            }
            step = resumeFrom.step();
            dataRng = new Rng(resumeFrom.rngState());
        }
        Adam.FlatParams flat = new Adam.FlatParams(initial);
        Map<String, INDArray> weights = flat.views();
        Adam adam = new Adam(flat, "adamw".equals(t.optimizer()), t.beta1() == null ? 0.9 : t.beta1(),
                t.beta2() == null ? 0.999 : t.beta2(), t.weightDecay() == null ? 0 : t.weightDecay());
        if (resumeFrom != null) {
            adam.load(resumeFrom.optimizerState());
        }

        int n = problem.trainSize();
        int batch = n > 0 ? Math.min(t.batchSize(), n) : t.batchSize();
        long stepsPerPass = n > 0 ? (n + batch - 1) / batch : 1;
        int[] order = new int[n];
        long passStart = dataRng.state();
        if (n > 0 && step % stepsPerPass != 0) {
            shuffle(order, dataRng); // the pass this resumed run is in the middle of
        }

        Map<String, Double> lastMetrics = Map.of();
        if (resumeFrom == null) {
            lastMetrics = problem.evaluate(weights);
            listener.onEval(0, total, lastMetrics);
            if (checkpoints.isDue(0) && total > 0) {
                listener.onCheckpoint(state(spec, 0, weights, adam, dataRng.state()), lastMetrics, false);
            }
        }
        boolean cancelled = false;
        while (step < total) {
            if (listener.cancelRequested()) {
                cancelled = true;
                break;
            }
            long within = step % stepsPerPass;
            if (within == 0) {
                passStart = dataRng.state();
                if (n > 0) {
                    shuffle(order, dataRng);
                }
            }
            int[] indices = null;
            if (n > 0) {
                int from = (int) (within * batch);
                indices = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + batch));
            }
            boolean evalDue = (step + 1) % t.evalEvery() == 0 || step + 1 == total;
            Problem.StepResult result = problem.trainStep(weights, indices, dataRng, step, evalDue);
            checkFinite(result.loss(), step);
            adam.step(result.grads(), lr.at(step), step + 1);
            step++;
            if (evalDue) {
                Map<String, Double> metrics = new LinkedHashMap<>();
                metrics.put("loss", result.loss());
                metrics.putAll(result.metrics());
                metrics.putAll(problem.evaluate(weights));
                metrics.put("lr", lr.at(step - 1));
                lastMetrics = metrics;
                listener.onEval(step, total, metrics);
            }
            if (step < total && checkpoints.isDue(step)) {
                long rngState = step % stepsPerPass == 0 ? dataRng.state() : passStart;
                listener.onCheckpoint(state(spec, step, weights, adam, rngState), lastMetrics, false);
            }
        }
        if (!cancelled) {
            listener.onCheckpoint(state(spec, step, weights, adam, dataRng.state()), lastMetrics, true);
        }
        return new TrainingOutcome(step, cancelled, lastMetrics);
    }

    /**
     * Test metrics ({@code test_loss}, {@code test_acc}, and per answer position for addition) of the given
     * weights on the spec's task, e.g. of a checkpoint or a hand-built construction.
     */
    public static Map<String, Double> evaluate(ExperimentSpec spec, Map<String, INDArray> weights) {
        Map<String, INDArray> working = new LinkedHashMap<>();
        weights.forEach((name, w) -> working.put(name, toWorkingType(w)));
        return problem(spec).evaluate(working);
    }

    /** How each model kind is trained (its data and its loss). */
    private static final Map<ModelKind, Function<ExperimentSpec, Problem>> PROBLEMS = new EnumMap<>(Map.of(
            ModelKind.TRANSFORMER, TransformerProblem::new,
            ModelKind.TMS, TmsProblem::new,
            ModelKind.CIS, CisProblem::new));

    static Problem problem(ExperimentSpec spec) {
        if (TaskShapes.LM.equals(spec.task().kind())) {
            return new LmProblem(spec); // a transformer on a token stream rather than a drawn task
        }
        Function<ExperimentSpec, Problem> problem = PROBLEMS.get(ModelRegistry.of(spec).kind());
        if (problem == null) {
            throw new IllegalArgumentException("model kind '" + spec.model().kind() + "' cannot be trained yet");
        }
        return problem.apply(spec);
    }

    /**
     * A loss above this (or not a number) means the run diverged: it ends FAILED with the step and the reason, and
     * the checkpoints already stored (all finite) are kept. No task of the lab has a meaningful loss near it.
     */
    public static final double DIVERGED_LOSS = 1e8;

    /** Thrown when the training loss stops being a finite, plausible number. */
    public static final class DivergedException extends RuntimeException {
        private final long step;

        DivergedException(long step, double loss) {
            super(String.format("training diverged at step %d: loss %s%s; the last finite checkpoint is kept",
                    step, loss, Double.isFinite(loss) ? " > " + DIVERGED_LOSS : ""));
            this.step = step;
        }

        public long step() {
            return step;
        }
    }

    private static void checkFinite(double loss, long step) {
        if (!(Math.abs(loss) <= DIVERGED_LOSS)) {
            throw new DivergedException(step, loss);
        }
    }

    /** Identity permutation, then a Fisher–Yates shuffle: the order depends only on the generator's state. */
    private static void shuffle(int[] order, Rng rng) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        rng.shuffle(order);
    }

    private static INDArray toWorkingType(INDArray a) {
        DataType dt = Nd4j.defaultFloatingPointType();
        return a.dataType() == dt ? a.dup('c') : a.castTo(dt).dup('c');
    }

    /**
     * A detached float32, c-order copy of everything needed to resume; the weights as the kind exports them (a tied
     * transformer adds unembed.W_U = W_Eᵀ, which resuming ignores).
     */
    private static ModelState state(ExperimentSpec spec, long step, Map<String, INDArray> weights, Adam adam,
                                    long rngState) {
        return new ModelState(step, exportCopy(ModelRegistry.of(spec).exportWeights(spec, weights)),
                adam.exportState(), rngState);
    }

    private static Map<String, INDArray> exportCopy(Map<String, INDArray> arrays) {
        Map<String, INDArray> copy = new LinkedHashMap<>();
        arrays.forEach((name, a) -> copy.put(name, a.castTo(DataType.FLOAT).dup('c')));
        return copy;
    }
}
