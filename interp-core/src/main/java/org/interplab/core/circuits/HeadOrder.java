package org.interplab.core.circuits;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The order in which each head prefers the task's key tokens when attending from the readoff (seed 000: on the
 * OV-coherent task the two heads learn reversed orders such as 1&gt;4&gt;3&gt;2 and 2&gt;3&gt;4&gt;1, splitting the
 * work of attending to several signals between them).
 *
 * <p>The score of key token t is the {@code scores_readoff} score; it is the sum of a token term, a position term
 * and a constant, so the ranking of tokens is the same at every key position. Scores within
 * {@link #TIE_TOLERANCE} (relative to the largest |score|) count as ties, written {@code =} in the order string;
 * two orders are reverses when their tie groups are (seed 003's XOR heads, B&gt;C=D&gt;A and A&gt;C=D&gt;B, are).
 */
public final class HeadOrder {
    public static final double TIE_TOLERANCE = 1e-6;

    private HeadOrder() {
    }

    /** Key tokens ranked by one head, best first; {@code tiedWithNext[r]} when rank r and r+1 tie. */
    public record Ranking(int[] tokens, boolean[] tiedWithNext) {
        public boolean strict() {
            for (boolean tie : tiedWithNext) {
                if (tie) {
                    return false;
                }
            }
            return true;
        }

        /** e.g. {@code 1>4>3>2}, or {@code 1=2>3>4} with a tie. */
        public String describe(List<String> labels) {
            StringBuilder s = new StringBuilder();
            for (int r = 0; r < tokens.length; r++) {
                if (r > 0) {
                    s.append(tiedWithNext[r - 1] ? "=" : ">");
                }
                s.append(labels.get(tokens[r]));
            }
            return s.toString();
        }

        /** The tokens grouped by tie, best group first: 1=2>3 gives [{1,2},{3}]. */
        public List<java.util.Set<Integer>> groups() {
            List<java.util.Set<Integer>> groups = new ArrayList<>();
            java.util.Set<Integer> current = new java.util.TreeSet<>();
            for (int r = 0; r < tokens.length; r++) {
                current.add(tokens[r]);
                if (r == tokens.length - 1 || !tiedWithNext[r]) {
                    groups.add(current);
                    current = new java.util.TreeSet<>();
                }
            }
            return groups;
        }

        /**
         * True when the other head's order is this one read backwards, tie groups included (B&gt;C=D&gt;A is the
         * reverse of A&gt;C=D&gt;B). An order with fewer than two groups (all tied) has no reverse.
         */
        public boolean isReverseOf(Ranking other) {
            List<java.util.Set<Integer>> mine = groups(), theirs = other.groups();
            if (mine.size() < 2 || mine.size() != theirs.size()) {
                return false;
            }
            for (int g = 0; g < mine.size(); g++) {
                if (!mine.get(g).equals(theirs.get(mine.size() - 1 - g))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Ranks {@code keyTokens} by {@code scoreByToken[t]}, highest first; exact ties keep token order. */
    public static Ranking rank(double[] scoreByToken, int[] keyTokens) {
        Integer[] order = Arrays.stream(keyTokens).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer t) -> -scoreByToken[t]).thenComparingInt(t -> t));
        double max = 0;
        for (int t : keyTokens) {
            max = Math.max(max, Math.abs(scoreByToken[t]));
        }
        double tol = TIE_TOLERANCE * Math.max(max, Double.MIN_NORMAL);
        boolean[] ties = new boolean[Math.max(0, order.length - 1)];
        for (int r = 0; r + 1 < order.length; r++) {
            ties[r] = scoreByToken[order[r]] - scoreByToken[order[r + 1]] <= tol;
        }
        return new Ranking(Arrays.stream(order).mapToInt(Integer::intValue).toArray(), ties);
    }

    /**
     * The key tokens whose order matters per task: the signal tokens 1–4 for ov-coherent (noise tokens are not
     * meant to be attended to), A–D for xor, the digits for addition; otherwise every token but the readoff.
     */
    public static int[] keyTokens(String task, List<String> inputLabels, int readoffToken) {
        if ("ov-coherent".equals(task)) {
            return new int[] {1, 2, 3, 4};
        }
        if ("addition".equals(task)) {
            return new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        }
        List<Integer> keys = new ArrayList<>();
        for (int t = 0; t < inputLabels.size(); t++) {
            if (t != readoffToken) {
                keys.add(t);
            }
        }
        return keys.stream().mapToInt(Integer::intValue).toArray();
    }

    /** One ranking per head of layer 0, from its {@code scores_readoff} table. */
    public static List<Ranking> rankings(TransformerCircuits circuits, int[] keyTokens) {
        List<Ranking> rankings = new ArrayList<>();
        for (int h = 0; h < circuits.nHeads(); h++) {
            double[][] scores = circuits.scoresReadoff(h).values();
            double[] byToken = new double[scores.length];
            for (int t = 0; t < scores.length; t++) {
                byToken[t] = scores[t][0]; // any key position ranks tokens the same way
            }
            rankings.add(rank(byToken, keyTokens));
        }
        return rankings;
    }

    /** {@code head_order}: rows heads L0H0…, columns rank 1…k, values the token ids, best first. */
    public static CircuitTable table(List<Ranking> rankings, List<String> inputLabels, String readoffLabel) {
        int k = rankings.isEmpty() ? 0 : rankings.get(0).tokens().length;
        List<String> heads = new ArrayList<>();
        List<String> orders = new ArrayList<>();
        double[][] values = new double[rankings.size()][k];
        for (int h = 0; h < rankings.size(); h++) {
            heads.add(TransformerCircuits.head(0, h));
            orders.add(heads.get(h) + ": " + rankings.get(h).describe(inputLabels));
            for (int r = 0; r < k; r++) {
                values[h][r] = rankings.get(h).tokens()[r];
            }
        }
        List<String> ranks = new ArrayList<>();
        for (int r = 1; r <= k; r++) {
            ranks.add("rank " + r);
        }
        return new CircuitTable("head_order", "head_order", "Attention order of each head from " + readoffLabel,
                "Key tokens ranked by the layer-0 attention score from the readoff (scores_readoff), most attended "
                        + "first; values are token ids. Orders: " + String.join("; ", orders)
                        + ". '=' marks scores equal within a relative " + TIE_TOLERANCE + ".",
                "head", "rank", heads, ranks, values);
    }

    /** {@code head_order_reversed}: heads × heads, 1 where the two heads' orders (tie groups included) are reverses. */
    public static CircuitTable reversedTable(List<Ranking> rankings, List<String> inputLabels) {
        int n = rankings.size();
        List<String> heads = new ArrayList<>();
        for (int h = 0; h < n; h++) {
            heads.add(TransformerCircuits.head(0, h));
        }
        double[][] values = new double[n][n];
        List<String> pairs = new ArrayList<>();
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                if (rankings.get(a).isReverseOf(rankings.get(b))) {
                    values[a][b] = 1;
                    if (a < b) {
                        pairs.add(heads.get(a) + " (" + rankings.get(a).describe(inputLabels) + ") ↔ " + heads.get(b)
                                + " (" + rankings.get(b).describe(inputLabels) + ")");
                    }
                }
            }
        }
        return new CircuitTable("head_order_reversed", "head_order_reversed", "Pairs of heads with reversed orders",
                "1 where the two heads rank the key tokens in exactly opposite orders, ties included (seed 000's "
                        + "inverted attention preferences), else 0. Pairs: "
                        + (pairs.isEmpty() ? "none" : String.join("; ", pairs)) + ".", "head", "head", heads, heads, values);
    }
}
