package org.interplab.analysis.promptlab;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.TaskShapes;
import org.interplab.core.corpus.Gpt2Tokenizer;
import org.interplab.core.task.AdditionTask;
import org.interplab.core.task.OvCoherentTask;
import org.interplab.core.task.XorTask;

/**
 * The input forms of a model's task and what its correct answer is: xor as letters ("ACQ"), ov-coherent as labels
 * ("3 7 1 9 R"), addition as "a+b" (encoded LSB first with its sum, as the task lays it out) or its digits, a GPT-2
 * model as text; any model as token ids. Also the labels of input and output tokens and the default read-off.
 */
public final class PromptInputs {
    private static final Pattern SUM = Pattern.compile("\\s*(\\d+)\\s*\\+\\s*(\\d+)\\s*");

    private final String task;
    private final int dVocab;
    private final int dVocabOut;
    private final List<String> inputLabels;
    private final List<String> outputLabels;
    private final int nDigits;

    public PromptInputs(ExperimentSpec spec) {
        this.dVocab = spec.model().dVocab();
        this.dVocabOut = spec.model().dVocabOut() == null ? dVocab : spec.model().dVocabOut();
        String kind = spec.task() == null ? null : spec.task().kind();
        TaskShapes.Shape shape = spec.task() == null ? null : TaskShapes.of(spec.task());
        boolean known = shape != null && shape.dVocab() == dVocab && shape.dVocabOut() == dVocabOut;
        if (dVocab == Gpt2Tokenizer.VOCAB) {
            this.task = TaskShapes.LM;
        } else {
            this.task = known ? kind : "tokens";
        }
        this.inputLabels = known && !shape.inputTokens().isEmpty() ? shape.inputTokens() : List.of();
        this.outputLabels = known && !shape.outputTokens().isEmpty() ? shape.outputTokens() : List.of();
        this.nDigits = spec.task() != null && spec.task().nDigits() != null ? spec.task().nDigits() : 6;
    }

    /** xor, ov-coherent, addition, lm, or "tokens" (a model whose task is not one of these: ids only). */
    public String task() {
        return task;
    }

    public boolean isLm() {
        return TaskShapes.LM.equals(task);
    }

    public String inputLabel(int token) {
        if (isLm()) {
            return Gpt2Tokenizer.get().tokenString(token);
        }
        return token < inputLabels.size() ? inputLabels.get(token) : String.valueOf(token);
    }

    public String outputLabel(int token) {
        if (isLm()) {
            return Gpt2Tokenizer.get().tokenString(token);
        }
        return token < outputLabels.size() ? outputLabels.get(token) : String.valueOf(token);
    }

    /** Token ids of a comma- or space-separated id list; each must be an input token of the model. */
    public int[] parseIds(String ids, String field) {
        String[] parts = ids.trim().split("[\\s,]+");
        int[] out = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                out[i] = Integer.parseInt(parts[i]);
            } catch (NumberFormatException e) {
                throw new PromptInputException(field, "'" + parts[i] + "' is not a token id");
            }
            if (out[i] < 0 || out[i] >= dVocab) {
                throw new PromptInputException(field, "token " + out[i] + " outside the vocabulary [0, " + dVocab + ")");
            }
        }
        return out;
    }

    /** The tokens of an input in the task's text form. */
    public int[] parse(String text, String field) {
        if (text == null || text.isBlank()) {
            throw new PromptInputException(field, "the input is empty");
        }
        switch (task) {
            case TaskShapes.LM:
                return Gpt2Tokenizer.get().encode(text);
            case "addition": {
                Matcher m = SUM.matcher(text);
                if (m.matches()) {
                    long limit = (long) Math.pow(10, nDigits);
                    long a = parseOperand(m.group(1), limit, field);
                    long b = parseOperand(m.group(2), limit, field);
                    return AdditionTask.encode(a, b, nDigits);
                }
                return byLabel(text.replaceAll("\\s+", "").split(""), field);
            }
            case "xor":
                return byLabel(text.replaceAll("[\\s,]+", "").toUpperCase().split(""), field);
            case "ov-coherent":
                return byLabel(text.trim().toUpperCase().split("[\\s,]+"), field);
            default:
                return parseIds(text, field);
        }
    }

    private long parseOperand(String digits, long limit, String field) {
        long v;
        try {
            v = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new PromptInputException(field, "operand " + digits + " is too long");
        }
        if (v >= limit) {
            throw new PromptInputException(field, "operand " + digits + " has more than " + nDigits + " digits");
        }
        return v;
    }

    private int[] byLabel(String[] labels, String field) {
        int[] out = new int[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = inputLabels.indexOf(labels[i]);
            if (out[i] < 0) {
                throw new PromptInputException(field, "'" + labels[i] + "' is not an input token of the " + task
                        + " task (one of " + String.join(" ", inputLabels) + ")");
            }
        }
        return out;
    }

    /** The task's text form of a token sequence (what {@link #parse} reads back). */
    public String format(int[] tokens) {
        switch (task) {
            case TaskShapes.LM:
                return Gpt2Tokenizer.get().decode(tokens);
            case "addition":
                if (tokens.length == 3 * nDigits + 1) {
                    return operand(tokens, 0) + "+" + operand(tokens, nDigits);
                }
                return labels(tokens, "");
            case "xor":
                return labels(tokens, "");
            case "ov-coherent":
                return labels(tokens, " ");
            default:
                return String.join(",", Arrays.stream(tokens).mapToObj(String::valueOf).toList());
        }
    }

    private long operand(int[] tokens, int from) {
        long v = 0;
        for (int i = nDigits - 1; i >= 0; i--) {
            v = v * 10 + tokens[from + i];
        }
        return v;
    }

    private String labels(int[] tokens, String sep) {
        List<String> out = new ArrayList<>();
        for (int t : tokens) {
            out.add(inputLabel(t));
        }
        return String.join(sep, out);
    }

    /** Where the task reads its answer: xor's Q, ov-coherent's readoff (last), addition's first answer digit. */
    public int defaultPosition(int[] tokens) {
        return switch (task) {
            case "xor" -> Math.min(XorTask.READOFF, tokens.length - 1);
            case "addition" -> Math.min(2 * nDigits - 1, tokens.length - 1);
            default -> tokens.length - 1;
        };
    }

    /** The correct output at {@code position} by the task's rule, or −1 when the input has none there. */
    public int answer(int[] tokens, int position) {
        switch (task) {
            case "xor":
                if (tokens.length == 3 && position == XorTask.READOFF && tokens[2] == XorTask.Q
                        && (tokens[0] == XorTask.A || tokens[0] == XorTask.B)
                        && (tokens[1] == XorTask.C || tokens[1] == XorTask.D)) {
                    return ((tokens[0] == XorTask.A) ^ (tokens[1] == XorTask.D)) ? XorTask.T : XorTask.F;
                }
                return -1;
            case "ov-coherent": {
                if (position != tokens.length - 1 || tokens[position] != OvCoherentTask.READOFF) {
                    return -1;
                }
                List<Integer> signals = new ArrayList<>();
                for (int p = 0; p < position; p++) {
                    if (tokens[p] >= 1 && tokens[p] < OvCoherentTask.FIRST_NOISE) {
                        signals.add(tokens[p]);
                    }
                }
                return signals.size() == 2 ? OvCoherentTask.pairIndex(signals.get(0), signals.get(1)) : -1;
            }
            case "addition": {
                if (tokens.length != 3 * nDigits + 1 || position < 2 * nDigits - 1 || position >= 3 * nDigits) {
                    return -1;
                }
                for (int p = 0; p < 2 * nDigits; p++) {
                    if (tokens[p] > 9) {
                        return -1;
                    }
                }
                return AdditionTask.encode(operand(tokens, 0), operand(tokens, nDigits), nDigits)[position + 1];
            }
            case TaskShapes.LM:
                return position + 1 < tokens.length ? tokens[position + 1] : -1;
            default:
                return -1;
        }
    }

    /** A wrong input (its field and why), answered as a 400. */
    public static final class PromptInputException extends IllegalArgumentException {
        public final String field;

        public PromptInputException(String field, String message) {
            super(message);
            this.field = field;
        }
    }
}
