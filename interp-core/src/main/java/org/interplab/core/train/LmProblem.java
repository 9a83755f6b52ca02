package org.interplab.core.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.TaskShapes;
import org.interplab.core.corpus.Gpt2Tokenizer;
import org.interplab.core.corpus.TokenCorpora;
import org.interplab.core.corpus.TokenCorpus;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A transformer language model on a tokenized corpus (task {@code lm}). Each training batch is
 * {@code batchSize} windows of n_ctx + 1 consecutive tokens at uniformly random starts in the train split, drawn
 * from the trainer's data generator (so a resumed run draws the same windows); the input is the first n_ctx
 * tokens, the target at each position the next token. Validation is on a fixed set of windows of the validation
 * split chosen from the spec's seed. Metrics: {@code train_loss}, {@code tokens_per_s} (training tokens per second
 * of wall time since the previous evaluation, evaluation excluded), {@code val_loss} and {@code unigram_val_loss},
 * the validation loss of the train split's token frequencies (add-one smoothed) on the same targets — the bar a
 * model that uses no context at all would reach.
 */
public final class LmProblem implements Problem {
    static final int VALIDATION_WINDOWS = 32;
    private static final int EVAL_CHUNK = 16;

    private final Transformer.Config cfg;
    /** The step's gradients, reused from step to step (one problem per run, stepped by one thread at a time). */
    private final Map<String, INDArray> gradBuffers = new LinkedHashMap<>();
    private final int batchSize;
    private final char[] train;
    private final TokenBatch validation;
    private final double unigramValLoss;
    private long tokensSinceEval;
    private long sinceNanos = System.nanoTime();

    LmProblem(ExperimentSpec spec) {
        this(spec, TokenCorpora.get(spec.task().corpus() == null ? TaskShapes.DEFAULT_CORPUS : spec.task().corpus()));
    }

    LmProblem(ExperimentSpec spec, TokenCorpus corpus) {
        this.cfg = Transformer.Config.of(spec.model());
        this.batchSize = spec.training().batchSize();
        this.train = corpus.train();
        if (train.length < cfg.nCtx() + 1) {
            throw new IllegalArgumentException("corpus " + corpus.id() + " has " + train.length
                    + " training tokens, fewer than n_ctx + 1 = " + (cfg.nCtx() + 1));
        }
        this.validation = validationWindows(corpus.validation(), cfg.nCtx(), spec.seed());
        this.unigramValLoss = unigramLoss(train, validation);
    }

    @Override
    public Map<String, INDArray> init(long seed) {
        return Transformer.init(cfg, seed);
    }

    @Override
    public int trainSize() {
        return 0;
    }

    @Override
    public StepResult trainStep(Map<String, INDArray> weights, int[] indices, Rng rng, long step,
                                boolean withMetrics) {
        TokenBatch batch = trainWindows(train, cfg.nCtx(), batchSize, rng);
        Transformer.Output out = new Transformer(cfg, weights).lossAndGradients(batch, false, gradBuffers);
        tokensSinceEval += (long) batchSize * cfg.nCtx();
        if (!withMetrics) {
            return new StepResult(out.loss(), out.grads(), Map.of());
        }
        double seconds = (System.nanoTime() - sinceNanos) / 1e9;
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("train_loss", out.loss());
        m.put("tokens_per_s", seconds > 0 ? tokensSinceEval / seconds : 0.0);
        return new StepResult(out.loss(), out.grads(), m);
    }

    @Override
    public Map<String, Double> evaluate(Map<String, INDArray> weights) {
        Transformer model = new Transformer(cfg, weights);
        int[] all = new int[validation.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        double lossSum = 0;
        long positions = 0;
        for (int from = 0; from < all.length; from += EVAL_CHUNK) {
            TokenBatch chunk = validation.rows(all, from, Math.min(all.length, from + EVAL_CHUNK));
            long n = TransformerProblem.Accuracy.lossPositions(chunk);
            lossSum += model.lossValue(chunk) * n;
            positions += n;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("val_loss", lossSum / positions);
        m.put("unigram_val_loss", unigramValLoss);
        tokensSinceEval = 0;
        sinceNanos = System.nanoTime();
        return m;
    }

    /** The prompt every sample generation starts from. */
    public static final String SAMPLE_PROMPT = "Once upon a time";
    public static final int SAMPLE_TOKENS = 32;
    public static final double SAMPLE_TEMPERATURE = 0.8;

    /**
     * Two continuations of {@link #SAMPLE_PROMPT} by the model with these weights, prompt included: {@code greedy}
     * (argmax each step) and {@code temperature_0.8} (sampled from softmax(logits / 0.8), seeded from the spec's
     * seed). Each stops after {@value #SAMPLE_TOKENS} new tokens or at {@code <|endoftext|>}; the context is the
     * last n_ctx tokens.
     */
    public static Map<String, String> samples(ExperimentSpec spec, Map<String, INDArray> weights) {
        Transformer model = new Transformer(Transformer.Config.of(spec.model()), weights);
        Map<String, String> out = new LinkedHashMap<>();
        out.put("greedy", generate(model, 0, null));
        out.put("temperature_" + SAMPLE_TEMPERATURE, generate(model, SAMPLE_TEMPERATURE,
                new Rng(Rng.derive(spec.seed(), "lm-sample"))));
        return out;
    }

    static String generate(Transformer model, double temperature, Rng rng) {
        Gpt2Tokenizer tok = Gpt2Tokenizer.get();
        int nCtx = model.config().nCtx();
        java.util.List<Integer> ids = new java.util.ArrayList<>();
        for (int id : tok.encode(SAMPLE_PROMPT)) {
            ids.add(id);
        }
        for (int n = 0; n < SAMPLE_TOKENS; n++) {
            int from = Math.max(0, ids.size() - nCtx);
            int[] context = ids.subList(from, ids.size()).stream().mapToInt(Integer::intValue).toArray();
            INDArray logits = model.logits(new int[][] {context});
            double[] last = logits.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(context.length - 1),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
                    .dup().data().asDouble();
            int next = temperature <= 0 ? argmax(last) : sample(last, temperature, rng);
            if (next == Gpt2Tokenizer.EOT) {
                break;
            }
            ids.add(next);
        }
        return tok.decode(ids.stream().mapToInt(Integer::intValue).toArray());
    }

    private static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static int sample(double[] logits, double temperature, Rng rng) {
        double max = logits[argmax(logits)];
        double[] p = new double[logits.length];
        double z = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            z += p[i];
        }
        double u = rng.nextDouble() * z;
        for (int i = 0; i < p.length; i++) {
            u -= p[i];
            if (u < 0) {
                return i;
            }
        }
        return p.length - 1;
    }

    /** {@code count} windows at random starts drawn from {@code rng}: tokens [s, s+n_ctx), targets shifted by one. */
    static TokenBatch trainWindows(char[] stream, int nCtx, int count, Rng rng) {
        int[][] tokens = new int[count][nCtx];
        int[][] targets = new int[count][nCtx];
        int starts = stream.length - nCtx;
        for (int i = 0; i < count; i++) {
            int s = rng.nextInt(starts);
            for (int p = 0; p < nCtx; p++) {
                tokens[i][p] = stream[s + p];
                targets[i][p] = stream[s + p + 1];
            }
        }
        return new TokenBatch(tokens, targets);
    }

    /**
     * Up to {@value #VALIDATION_WINDOWS} windows of the validation split at starts chosen from the seed; a split
     * shorter than n_ctx + 1 is one window padded with EOT, the padding carrying no loss.
     */
    static TokenBatch validationWindows(char[] stream, int nCtx, long seed) {
        if (stream.length < 2) {
            throw new IllegalArgumentException("the validation split needs at least 2 tokens, has " + stream.length);
        }
        if (stream.length < nCtx + 1) {
            int[] tokens = new int[nCtx];
            int[] targets = new int[nCtx];
            java.util.Arrays.fill(tokens, Gpt2Tokenizer.EOT);
            java.util.Arrays.fill(targets, TokenBatch.NO_LOSS);
            for (int p = 0; p + 1 < stream.length; p++) {
                tokens[p] = stream[p];
                targets[p] = stream[p + 1];
            }
            return new TokenBatch(new int[][] {tokens}, new int[][] {targets});
        }
        int count = (int) Math.min(VALIDATION_WINDOWS, stream.length - nCtx);
        return trainWindows(stream, nCtx, count, new Rng(Rng.derive(seed, "lm-validation")));
    }

    /**
     * Mean −log p(target) over the targets of {@code batch} under the unigram model of {@code train}:
     * p(v) = (count(v) + 1) / (N + V), V = 50257.
     */
    static double unigramLoss(char[] train, TokenBatch batch) {
        long[] counts = new long[Gpt2Tokenizer.VOCAB];
        for (char t : train) {
            counts[t]++;
        }
        double logTotal = Math.log(train.length + (double) Gpt2Tokenizer.VOCAB);
        double sum = 0;
        long n = 0;
        for (int[] row : batch.targets()) {
            for (int y : row) {
                if (y != TokenBatch.NO_LOSS) {
                    sum += logTotal - Math.log(counts[y] + 1.0);
                    n++;
                }
            }
        }
        return sum / n;
    }
}
