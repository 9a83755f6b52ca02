package org.interplab.contracts.spec;

import java.util.List;

/**
 * The token-level shape each sequence task imposes on a transformer (vocabulary in and out, context length) and the
 * token labels researchers read in tables. interp-core generates the data; this only states the shapes so that a
 * spec can be checked where ND4J is absent (the dashboard).
 */
public final class TaskShapes {
    public static final List<String> SEQUENCE_TASKS = List.of("xor", "ov-coherent", "addition");
    /** Language modelling on a GPT-2-tokenized corpus. */
    public static final String LM = "lm";
    /** GPT-2 BPE vocabulary (r50k_base), in and out, of task {@code lm}. */
    public static final int GPT2_VOCAB = 50257;
    /** The corpus an {@code lm} task without {@code corpus} trains on: the embedded generated stories. */
    public static final String DEFAULT_CORPUS = "builtin-stories";

    /**
     * Shape of a task. {@code nCtx} is the context length the task fixes, or 0 where the model chooses it (lm);
     * the token label lists are empty where the vocabulary is GPT-2's (read labels from the tokenizer).
     */

    public record Shape(int dVocab, int dVocabOut, int nCtx, List<String> inputTokens, List<String> outputTokens) {
    }

    private TaskShapes() {
    }

    /** The shape of a sequence task, or null for non-sequence tasks. */
    public static Shape of(TaskSpec task) {
        switch (task.kind()) {
            case "xor":
                return new Shape(5, 2, 3, List.of("A", "B", "C", "D", "Q"), List.of("T", "F"));
            case "ov-coherent": {
                int seqLen = task.seqLen() == null ? 5 : task.seqLen();
                List<String> in = new java.util.ArrayList<>();
                for (int t = 0; t < 12; t++) {
                    in.add(t == 0 ? "R" : String.valueOf(t));
                }
                List<String> out = new java.util.ArrayList<>();
                for (int a = 1; a <= 4; a++) {
                    for (int b = a; b <= 4; b++) {
                        out.add("{" + a + "," + b + "}");
                    }
                }
                return new Shape(12, 10, seqLen, in, out);
            }
            case "addition": {
                int n = task.nDigits() == null ? 6 : task.nDigits();
                List<String> in = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "=", "^");
                return new Shape(12, 10, 3 * n + 1, in, in.subList(0, 10));
            }
            case LM:
                return new Shape(GPT2_VOCAB, GPT2_VOCAB, 0, List.of(), List.of());
            default:
                return null;
        }
    }
}
