package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeadOrderTauTest {
    static final int[] SIGNALS = {1, 2, 3, 4};

    static HeadOrder.Ranking rank(double... scoreOfSignal) {
        double[] byToken = new double[5];
        System.arraycopy(scoreOfSignal, 0, byToken, 1, 4);
        return HeadOrder.rank(byToken, SIGNALS);
    }

    @Test
    void tauBOfHandCountedPairs() {
        assertEquals(1, HeadOrderTau.tauB(new int[] {0, 1, 2, 3}, new int[] {0, 1, 2, 3}), 1e-12);
        assertEquals(-1, HeadOrderTau.tauB(new int[] {0, 1, 2, 3}, new int[] {3, 2, 1, 0}), 1e-12);
        // one swapped neighbour: 5 concordant, 1 discordant of 6 pairs
        assertEquals(4.0 / 6, HeadOrderTau.tauB(new int[] {0, 1, 2, 3}, new int[] {1, 0, 2, 3}), 1e-12);
        // a tie in x: 5 concordant, 0 discordant, 1 pair tied in x → 5/√(5·6)
        assertEquals(5 / Math.sqrt(30), HeadOrderTau.tauB(new int[] {0, 0, 1, 2}, new int[] {0, 1, 2, 3}), 1e-12);
    }

    @Test
    void seedOrdersAsNumbers() {
        // seed 000: 1>4>3>2 and 2>3>4>1 are reverses: τ = −1; exact test over 4! orders: P(τ ≤ −1) = 1/24
        HeadOrderTau.Test reversed = HeadOrderTau.test(rank(4, 1, 2, 3), rank(1, 4, 3, 2), SIGNALS);
        assertEquals(-1, reversed.tau(), 1e-12);
        assertEquals(24, reversed.permutations());
        assertEquals(1.0 / 24, reversed.pLower(), 1e-12);
        assertEquals(2.0 / 24, reversed.pTwoSided(), 1e-12);
        // anti-correlated but not reversed: 1>4>3>2 vs 2>4>3>1 — pairs (1,2) (1,3) (1,4) (2,3) (2,4) discordant,
        // (3,4) concordant: τ = (1 − 5)/6 = −2/3; τ ≤ −2/3 holds for the 1 + 3 orders with ≤ 1 concordant pair
        HeadOrderTau.Test anti = HeadOrderTau.test(rank(4, 1, 2, 3), rank(1, 4, 2, 3), SIGNALS);
        assertEquals(-2.0 / 3, anti.tau(), 1e-12);
        assertEquals(4.0 / 24, anti.pLower(), 1e-12);
        // seed 003's XOR heads with a tie: B>C=D>A vs A>C=D>B: every untied pair discordant, τ_b = −5/√(5·5) = −1
        int[] abcd = {0, 1, 2, 3};
        HeadOrder.Ranking x = HeadOrder.rank(new double[] {0, 2, 1, 1}, abcd);
        HeadOrder.Ranking y = HeadOrder.rank(new double[] {2, 0, 1, 1}, abcd);
        assertEquals(-1, HeadOrderTau.test(x, y, abcd).tau(), 1e-12);
        // all tied: τ undefined, reported 0 with p 1
        HeadOrder.Ranking flat = HeadOrder.rank(new double[] {1, 1, 1, 1}, abcd);
        assertEquals(new HeadOrderTau.Test(0, 1, 1, 0), HeadOrderTau.test(flat, y, abcd));
    }

    @Test
    void sampledPermutationTestBeyondEightTokens() {
        int[] digits = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        double[] up = new double[10], down = new double[10];
        for (int t = 0; t < 10; t++) {
            up[t] = t;
            down[t] = -t;
        }
        HeadOrderTau.Test t = HeadOrderTau.test(HeadOrder.rank(up, digits), HeadOrder.rank(down, digits), digits);
        assertEquals(-1, t.tau(), 1e-12);
        assertEquals(HeadOrderTau.SAMPLES, t.permutations());
        // the reverse is 1 of 10! orders: no random draw reaches it, p = 1/(samples + 1)
        assertEquals(1.0 / (HeadOrderTau.SAMPLES + 1), t.pLower(), 1e-12);
    }

    @Test
    void analysisOfTheTwoHeadModelReportsTau() {
        Map<String, CircuitTable> t = HeadOrderTest.tables(HeadOrderTest.twoHeads(
                new double[][] {{4, 1, 2, 3}, {1, 4, 2, 3}}, 7), HeadOrderTest.ovCoherentSpec());
        CircuitTable tau = t.get("head_order_tau");
        assertEquals(List.of("L0H0–L0H1"), tau.rowLabels());
        assertEquals(List.of("τ_b", "p two-sided", "p (τ ≤ observed)", "reversed"), tau.colLabels());
        assertArrayEquals(new double[] {-2.0 / 3, 8.0 / 24, 4.0 / 24, 0}, tau.values()[0], 1e-9);
        assertTrue(tau.description().contains("L0H0–L0H1 τ = -0.667 (1>4>3>2 vs 2>4>3>1)"), tau.description());
    }
}
