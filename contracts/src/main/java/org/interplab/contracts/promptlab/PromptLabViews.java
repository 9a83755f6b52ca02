package org.interplab.contracts.promptlab;

import java.util.List;
import java.util.UUID;

/**
 * Prompt lab responses, defined once: the analysis service computes them (a transformer run on one input with
 * TransformerLens-style hooks), the dashboard passes them on and documents them in its OpenAPI. Heads are labelled
 * {@code L{layer}H{head}}; token labels are the task's (xor's A B C D Q, addition's digits) or GPT-2 token strings.
 */
public final class PromptLabViews {
    private PromptLabViews() {
    }

    /** The architecture the page draws: n_layers × n_heads heads, n_ctx positions at most. */
    public record ModelView(String task, int nLayers, int nHeads, int dHead, int dModel, int nCtx, int dVocab,
                            int dVocabOut, boolean attnOnly, boolean layerNorm) {
    }

    /** One output token at one position: its logit and softmax probability. */
    public record TokenLogit(int token, String label, double logit, double prob) {
    }

    /** The top output tokens at a position. */
    public record PositionLogits(int position, List<TokenLogit> top) {
    }

    /** Head {@code name} (L0H1) of a layer: softmax attention from each query position (row) to each key (column). */
    public record HeadPattern(String name, int layer, int head, float[][] pattern) {
    }

    /**
     * One term of the target token's logit at the chosen position: the component's output (its share of the final
     * residual stream) through ln_final (its 1/σ frozen at this input, as TransformerLens's
     * {@code decompose_resid}/{@code logit_attrs}) and W_U[:, target]. {@code kind}: embed, pos_embed, head,
     * attn_bias (b_O of a layer), mlp. {@code layer}/{@code head} are −1 where they do not apply.
     */
    public record Attribution(String name, String kind, int layer, int head, double value) {
    }

    /** A head intervention as asked: mode zero, mean (over the reference batch) or patch (from the patch input). */
    public record Intervention(String name, int layer, int head, String mode) {
    }

    /** The target token's logit, probability and rank (1 = top) at the chosen position, in one run. */
    public record TargetReadout(double logit, double prob, int rank) {
    }

    /**
     * The run with the interventions: the target readout, its change from the clean run
     * ({@code deltaLogit} = ablated − clean logit), and the top tokens at every position.
     */
    public record InterventionRun(List<Intervention> interventions, TargetReadout target, double deltaLogit,
                                  double deltaProb, List<PositionLogits> logits, String meanReference) {
    }

    /**
     * A prompt run: the input tokens and their labels, the chosen position and target token (and why that target:
     * "task answer", "next token", "clean top-1" or "given"), the clean run's top logits at every position, every
     * head's attention pattern (clean run), the direct logit attribution of the target logit at the position
     * (components sum to {@code target.logit} − {@code attributionConstant}, the constant being b_U[target] plus
     * ln_final.b·W_U[:, target]), and — when heads were ablated or patched — the intervened run. {@code examples}
     * are inputs to pick (the task's test sequences in its text form); {@code outputLabels} every output token's label
     * (empty for a GPT-2 model: read the tokens' labels in {@code logits}).
     */
    public record PromptView(UUID checkpointId, ModelView model, String input, int[] tokens, List<String> tokenLabels,
                             List<String> outputLabels,
                             int position, int targetToken, String targetLabel, String targetSource, TargetReadout target,
                             List<PositionLogits> logits, List<HeadPattern> patterns, List<Attribution> attribution,
                             double attributionConstant, String attributionNote, String patchInput,
                             InterventionRun intervened, List<String> examples, double millis) {
    }
}
