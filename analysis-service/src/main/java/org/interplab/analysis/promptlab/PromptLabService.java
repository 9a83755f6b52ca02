package org.interplab.analysis.promptlab;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.interplab.analysis.config.NeuroscopeConfig;
import org.interplab.analysis.neuroscope.ScanInputs;
import org.interplab.analysis.promptlab.PromptInputs.PromptInputException;
import org.interplab.analysis.promptlab.PromptLab.HeadIntervention;
import org.interplab.contracts.promptlab.PromptLabViews.InterventionRun;
import org.interplab.contracts.promptlab.PromptLabViews.ModelView;
import org.interplab.contracts.promptlab.PromptLabViews.PromptView;
import org.interplab.contracts.promptlab.PromptLabViews.TargetReadout;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.model.Transformer;
import org.interplab.core.neuroscope.Stories;
import org.interplab.core.task.SequenceTask;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The prompt lab of a transformer checkpoint: parses and checks the request against the model (each wrong field a
 * {@link PromptInputException}), runs {@link PromptLab} and builds the view. The model comes from the trainer's
 * checkpoint API through {@link ScanInputs}; the mean-ablation reference batch is {@link #meanReference}.
 */
@ApplicationScoped
public class PromptLabService {
    /** Longest input the lab runs (besides the model's n_ctx): every head's pattern is pos² floats. */
    public static final int MAX_TOKENS = 256;
    public static final int MEAN_BATCH = 256;
    private static final Pattern HEAD = Pattern.compile("L(\\d+)H(\\d+):([a-z]+)");
    private static final List<String> LM_EXAMPLES = List.of("Once upon a time, there was a little girl named Lily.",
            "The cat sat on the mat. The cat", "Tom gave the ball to Sue. Then Sue gave the ball to");

    @Inject
    ScanInputs models;

    @Inject
    NeuroscopeConfig neuroscope;

    /** What was asked (no input: the task's first example): input as text or ids, read-off position and target, heads to change, patch input, top-k. */
    public record Query(String input, String tokens, Integer position, Integer target, String ablate, String patch,
                        String patchTokens, int top) {
    }

    private final Map<String, TokenBatch> testSets = new LinkedHashMap<>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TokenBatch> eldest) {
            return size() > 4;
        }
    };

    public PromptView run(UUID checkpointId, Query q) {
        long started = System.nanoTime();
        ScanInputs.LoadedModel loaded = models.model(checkpointId, null);
        Transformer model = loaded.model();
        Transformer.Config c = model.config();
        ExperimentSpec spec = loaded.spec();
        PromptInputs forms = new PromptInputs(spec);
        int maxTokens = Math.min(MAX_TOKENS, c.nCtx());

        boolean noInput = (q.input() == null || q.input().isBlank()) && (q.tokens() == null || q.tokens().isBlank());
        List<String> examples = examples(checkpointId, spec, forms);
        int[] tokens = tokensOf(forms, noInput && !examples.isEmpty() ? examples.get(0) : q.input(), q.tokens(),
                "input", "tokens", maxTokens);
        int position = q.position() == null ? forms.defaultPosition(tokens) : q.position();
        if (position < 0 || position >= tokens.length) {
            throw new PromptInputException("position", "position " + position + " outside [0, " + tokens.length + ")");
        }
        if (q.target() != null && (q.target() < 0 || q.target() >= c.dVocabOut())) {
            throw new PromptInputException("target", "target " + q.target() + " outside the output vocabulary [0, "
                    + c.dVocabOut() + ")");
        }
        if (q.top() < 1 || q.top() > 50) {
            throw new PromptInputException("top", "top must be in [1, 50]");
        }
        List<HeadIntervention> interventions = interventions(q.ablate(), c);
        boolean patching = interventions.stream().anyMatch(i -> i.mode().equals(PromptLab.PATCH));
        int[] patchTokens = null;
        if (patching || (q.patch() != null && !q.patch().isBlank())
                || (q.patchTokens() != null && !q.patchTokens().isBlank())) {
            if ((q.patch() == null || q.patch().isBlank()) && (q.patchTokens() == null || q.patchTokens().isBlank())) {
                throw new PromptInputException("patch", "patching a head needs a patch input (patch or patchTokens)");
            }
            patchTokens = tokensOf(forms, q.patch(), q.patchTokens(), "patch", "patchTokens", maxTokens);
            if (patchTokens.length != tokens.length) {
                throw new PromptInputException("patch", "the patch input has " + patchTokens.length
                        + " tokens, the input " + tokens.length + ": patching needs the same length");
            }
        }
        int[][] meanReference = null;
        String meanNote = null;
        if (interventions.stream().anyMatch(i -> i.mode().equals(PromptLab.MEAN))) {
            MeanReference ref = meanReference(checkpointId, spec, forms, tokens.length);
            meanReference = ref.tokens();
            meanNote = ref.note();
        }

        PromptLab.Clean clean = PromptLab.clean(model, tokens);
        int target;
        String targetSource;
        if (q.target() != null) {
            target = q.target();
            targetSource = "given";
        } else {
            int answer = forms.answer(tokens, position);
            if (answer >= 0 && answer < c.dVocabOut()) {
                target = answer;
                targetSource = forms.isLm() ? "next token" : "task answer";
            } else {
                target = argmax(clean.logits(), position);
                targetSource = "clean top-1";
            }
        }
        TargetReadout cleanTarget = PromptLab.readout(clean.logits(), position, target);
        PromptLab.Attributions attribution = PromptLab.attribution(model, clean, position, target);
        InterventionRun intervened = null;
        if (!interventions.isEmpty()) {
            INDArray logits = PromptLab.intervened(model, tokens,
                    PromptLab.hooks(model, interventions, meanReference, patchTokens));
            TargetReadout t = PromptLab.readout(logits, position, target);
            intervened = new InterventionRun(interventions.stream().map(HeadIntervention::view).toList(), t,
                    t.logit() - cleanTarget.logit(), t.prob() - cleanTarget.prob(),
                    PromptLab.topLogits(logits, q.top(), forms::outputLabel), meanNote);
        }
        List<String> labels = new ArrayList<>();
        for (int t : tokens) {
            labels.add(forms.inputLabel(t));
        }
        ModelView view = new ModelView(forms.task(), c.nLayers(), c.nHeads(), c.dHead(), c.dModel(), c.nCtx(),
                c.dVocab(), c.dVocabOut(), c.attnOnly(), c.layerNorm());
        List<String> outputLabels = new ArrayList<>();
        for (int o = 0; !forms.isLm() && o < c.dVocabOut(); o++) {
            outputLabels.add(forms.outputLabel(o));
        }
        return new PromptView(checkpointId, view, forms.format(tokens), tokens, labels, outputLabels, position, target,
                forms.outputLabel(target), targetSource, cleanTarget,
                PromptLab.topLogits(clean.logits(), q.top(), forms::outputLabel), clean.patterns(),
                attribution.components(), attribution.constant(), PromptLab.ATTRIBUTION_NOTE,
                patchTokens == null ? null : forms.format(patchTokens), intervened,
                examples, (System.nanoTime() - started) / 1e6);
    }

    private static int argmax(INDArray logits, int position) {
        return (int) logits.getRow(position).argMax().getLong(0);
    }

    private static int[] tokensOf(PromptInputs forms, String text, String ids, String textField, String idsField,
                                  int maxTokens) {
        boolean hasText = text != null && !text.isBlank();
        boolean hasIds = ids != null && !ids.isBlank();
        if (hasText == hasIds) {
            throw new PromptInputException(textField, "give the " + textField + " as text (" + textField
                    + ") or as token ids (" + idsField + "), one of them");
        }
        int[] tokens = hasIds ? forms.parseIds(ids, idsField) : forms.parse(text, textField);
        String field = hasIds ? idsField : textField;
        if (tokens.length == 0) {
            throw new PromptInputException(field, "the input has no tokens");
        }
        if (tokens.length > maxTokens) {
            throw new PromptInputException(field, "the input has " + tokens.length + " tokens; at most " + maxTokens
                    + " (the model's n_ctx, and the lab's limit " + MAX_TOKENS + ")");
        }
        return tokens;
    }

    /** {@code L0H1:zero,L1H3:mean,…} against the model's layers and heads; one intervention per head. */
    static List<HeadIntervention> interventions(String ablate, Transformer.Config c) {
        List<HeadIntervention> out = new ArrayList<>();
        if (ablate == null || ablate.isBlank()) {
            return out;
        }
        for (String part : ablate.split(",")) {
            Matcher m = HEAD.matcher(part.trim());
            if (!m.matches()) {
                throw new PromptInputException("ablate", "'" + part.trim() + "' is not L{layer}H{head}:{mode}, "
                        + "e.g. L0H1:zero");
            }
            int layer = Integer.parseInt(m.group(1));
            int head = Integer.parseInt(m.group(2));
            String mode = m.group(3);
            if (layer >= c.nLayers()) {
                throw new PromptInputException("ablate", "layer " + layer + " outside [0, " + c.nLayers() + ") in "
                        + part.trim());
            }
            if (head >= c.nHeads()) {
                throw new PromptInputException("ablate", "head " + head + " outside [0, " + c.nHeads() + ") in "
                        + part.trim());
            }
            if (!PromptLab.MODES.contains(mode)) {
                throw new PromptInputException("ablate", "mode '" + mode + "' must be one of " + PromptLab.MODES);
            }
            HeadIntervention i = new HeadIntervention(layer, head, mode);
            if (out.stream().anyMatch(o -> o.layer() == layer && o.head() == head)) {
                throw new PromptInputException("ablate", i.name() + " is named twice");
            }
            out.add(i);
        }
        return out;
    }

    /** A mean-ablation reference batch (sequences as long as the input) and what it is, for the view. */
    record MeanReference(int[][] tokens, String note) {
    }

    /**
     * The reference batch of mean ablation: a toy task's first {@link #MEAN_BATCH} test sequences; for a language model
     * the first {@code length} tokens of the first {@link #MEAN_BATCH} validation stories of its corpus (the model's own
     * training corpus, else the lab's default) that are at least that long, so each position is averaged over the same
     * position of real stories, as the input's tokens sit at the start of a story.
     */
    MeanReference meanReference(UUID checkpointId, ExperimentSpec spec, PromptInputs forms, int length) {
        if (forms.isLm()) {
            String corpus = spec.task() != null && spec.task().corpus() != null ? spec.task().corpus()
                    : neuroscope.defaultCorpus();
            Stories stories;
            try {
                stories = models.validation(corpus);
            } catch (IllegalArgumentException e) {
                throw new PromptInputException("ablate", "mean ablation needs a reference batch from corpus " + corpus
                        + ": " + e.getMessage() + "; use zero or patch");
            }
            int[][] ref = storyPrefixes(stories, length, MEAN_BATCH);
            if (ref.length == 0) {
                throw new PromptInputException("ablate", "mean ablation: no validation story of corpus " + corpus
                        + " has " + length + " tokens; shorten the input or use zero or patch");
            }
            return new MeanReference(ref, "each head's mean hook_z at each position over the first " + length
                    + " tokens of " + ref.length + " validation stories of corpus " + corpus + " (clean run)");
        }
        TokenBatch test = testSet(checkpointId, spec, forms);
        if (test == null || test.nCtx() != length) {
            throw new PromptInputException("ablate", test == null
                    ? "mean ablation needs a reference batch: this model has no task test set or corpus; use zero or patch"
                    : "mean ablation averages over the task's test sequences of " + test.nCtx()
                            + " tokens; this input has " + length);
        }
        int[][] ref = Arrays.copyOf(test.tokens(), Math.min(MEAN_BATCH, test.size()));
        return new MeanReference(ref, "each head's mean hook_z at each position over the first " + ref.length
                + " test sequences of the " + forms.task() + " task (clean run)");
    }

    /** The first {@code length} tokens of the first {@code max} stories that have at least that many, in corpus order. */
    static int[][] storyPrefixes(Stories stories, int length, int max) {
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < stories.count() && out.size() < max; s++) {
            if (stories.end(s) - stories.start(s) >= length) {
                out.add(Arrays.copyOfRange(stories.stream(), stories.start(s), stories.start(s) + length));
            }
        }
        return out.toArray(new int[0][]);
    }

    /** The toy task's test set (the reference of mean ablation and the examples to pick), or null for an LM. */
    private TokenBatch testSet(UUID checkpointId, ExperimentSpec spec, PromptInputs forms) {
        if (forms.isLm() || forms.task().equals("tokens")) {
            return null;
        }
        String key = checkpointId.toString();
        synchronized (testSets) {
            TokenBatch cached = testSets.get(key);
            if (cached != null) {
                return cached;
            }
        }
        TokenBatch test = SequenceTask.create(spec.task(), spec.seed() == null ? 0L : spec.seed()).test();
        synchronized (testSets) {
            testSets.put(key, test);
        }
        return test;
    }

    private List<String> examples(UUID checkpointId, ExperimentSpec spec, PromptInputs forms) {
        if (forms.isLm()) {
            return LM_EXAMPLES;
        }
        TokenBatch test = testSet(checkpointId, spec, forms);
        if (test == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < Math.min(6, test.size()); i++) {
            out.add(forms.format(test.tokens()[i]));
        }
        return out;
    }
}
