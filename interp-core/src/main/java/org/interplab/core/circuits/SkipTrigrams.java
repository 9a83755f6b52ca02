package org.interplab.core.circuits;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The skip-trigrams "source … destination → output" one head implements when read off its weights the way
 * Elhage et al. do: how much more than average the destination attends to the source (EQKE row, centred, since
 * softmax ignores a shift per query) times how much more than average attending to the source raises the output
 * (EVOU row, centred, since softmax ignores a shift of the logits). Seed 003 shows why this reading can mislead:
 * attention is a softmax over the whole context, so these triples are not what the head does on real inputs.
 */
public final class SkipTrigrams {
    /** Triples listed per head. */
    public static final int TOP = 20;
    /** Beyond d_vocab² × d_vocab_out triples the table is refused rather than enumerated. */
    public static final long MAX_TRIPLES = 50_000_000L;

    private SkipTrigrams() {
    }

    /** One skip-trigram with its two factors and their product. */
    public record Triple(int source, int destination, int output, double qk, double ov) {
        public double strength() {
            return qk * ov;
        }
    }

    /**
     * The {@code limit} triples with the largest |strength| among those whose destination attends to the source
     * more than average (qk &gt; 0), strongest first.
     */
    public static List<Triple> strongest(double[][] eqke, double[][] evou, int limit) {
        int nVocab = eqke.length, nOut = evou[0].length;
        if ((long) nVocab * nVocab * nOut > MAX_TRIPLES) {
            throw new IllegalArgumentException("skip-trigrams would enumerate " + ((long) nVocab * nVocab * nOut)
                    + " triples, more than " + MAX_TRIPLES);
        }
        double[][] qk = centreRows(eqke);
        double[][] ov = centreRows(evou);
        Comparator<Triple> weakestFirst = Comparator.comparingDouble(t -> Math.abs(t.strength()));
        PriorityQueue<Triple> top = new PriorityQueue<>(weakestFirst);
        for (int d = 0; d < nVocab; d++) {
            for (int s = 0; s < nVocab; s++) {
                if (qk[d][s] <= 0) {
                    continue;
                }
                for (int o = 0; o < nOut; o++) {
                    if (ov[s][o] == 0) {
                        continue;
                    }
                    Triple t = new Triple(s, d, o, qk[d][s], ov[s][o]);
                    if (top.size() < limit) {
                        top.add(t);
                    } else if (Math.abs(t.strength()) > Math.abs(top.peek().strength())) {
                        top.poll();
                        top.add(t);
                    }
                }
            }
        }
        List<Triple> result = new ArrayList<>(top);
        result.sort(weakestFirst.reversed().thenComparingInt(Triple::destination).thenComparingInt(Triple::source)
                .thenComparingInt(Triple::output));
        return result;
    }

    static double[][] centreRows(double[][] m) {
        double[][] out = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            double mean = 0;
            for (double v : m[i]) {
                mean += v;
            }
            mean /= m[i].length;
            out[i] = new double[m[i].length];
            for (int j = 0; j < m[i].length; j++) {
                out[i][j] = m[i][j] - mean;
            }
        }
        return out;
    }

    /** The table {@code skip_trigrams.LlHh}: one row per triple, columns QK (centred), OV (centred), strength. */
    public static CircuitTable table(TransformerCircuits circuits, int layer, int head) {
        List<Triple> triples = strongest(circuits.eqkeMatrix(layer, head).toDoubleMatrix(),
                circuits.evouMatrix(layer, head).toDoubleMatrix(), TOP);
        List<String> in = circuits.inputLabels(), out = circuits.outputLabels();
        List<String> rows = new ArrayList<>();
        double[][] values = new double[triples.size()][];
        for (int i = 0; i < triples.size(); i++) {
            Triple t = triples.get(i);
            rows.add(in.get(t.source()) + " … " + in.get(t.destination()) + " → " + out.get(t.output()));
            values[i] = new double[] {t.qk(), t.ov(), t.strength()};
        }
        String h = TransformerCircuits.head(layer, head);
        return new CircuitTable("skip_trigrams." + h, "skip_trigrams", "Skip-trigrams of " + h,
                "The " + TOP + " strongest triples source … destination → output read off EQKE × EVOU: QK is "
                        + "EQKE[destination, source] minus its row mean (only sources attended more than average), "
                        + "OV is EVOU[source, output] minus its row mean; strength = QK × OV (negative: suppresses). "
                        + "A reading of the weights, not of the model's behaviour: attention is a softmax over the "
                        + "whole context.",
                "skip-trigram", "factor", rows, List.of("QK", "OV", "strength"), values);
    }
}
