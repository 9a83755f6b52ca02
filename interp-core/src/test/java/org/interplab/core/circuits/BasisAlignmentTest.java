package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BasisAlignmentTest {

    static double[][] pentagon(double phi) {
        double[][] w = new double[5][];
        for (int i = 0; i < 5; i++) {
            double a = 2 * Math.PI * i / 5 + phi;
            w[i] = new double[] {Math.cos(a), Math.sin(a)};
        }
        return w;
    }

    @Test
    void axesDiagonalsAndUnrepresentedFeatures() {
        // features on hidden axes, any norm and sign, plus an unrepresented feature: A = 1
        assertEquals(1, BasisAlignment.alignment(new double[][] {{2, 0}, {0, -0.5}, {-1, 0}, {0, 0}}), 1e-12);
        // every feature on a diagonal: A = 1/√2, the floor
        assertEquals(1 / Math.sqrt(2), BasisAlignment.alignment(new double[][] {{1, 1}, {-2, 2}, {3, -3}}), 1e-12);
        // mixed by hand: (3, 4) gives 4 of norm 5, (0, 1) gives 1 of 1: A = 5/6
        assertEquals(5.0 / 6, BasisAlignment.alignment(new double[][] {{3, 4}, {0, 1}}), 1e-12);
        assertEquals(0, BasisAlignment.alignment(new double[][] {{0, 0}, {0, 0}}), 0);
    }

    @Test
    void pentagonAveragedOverRotationsIsTheRandomBaseline() {
        // a rotation-invariant solution: over all rotations, the pentagon's mean A is E[max(|cos θ|, |sin θ|)] = 2√2/π
        int steps = 7200;
        double sum = 0;
        for (int s = 0; s < steps; s++) {
            sum += BasisAlignment.alignment(pentagon(2 * Math.PI * s / steps));
        }
        assertEquals(2 * Math.sqrt(2) / Math.PI, sum / steps, 1e-6);
        assertEquals(2 * Math.sqrt(2) / Math.PI, BasisAlignment.randomBaseline(2), 1e-15);
        // a pentagon with one vertex on the x-axis: mean over vertices of max(|cos|, |sin|) at 0°, 72°, 144°, …
        double expected = (1 + 2 * Math.sin(Math.toRadians(72)) + 2 * Math.cos(Math.toRadians(36))) / 5;
        assertEquals(expected, BasisAlignment.alignment(pentagon(0)), 1e-12);
    }

    @Test
    void sampledBaselineAgreesWithQuadratureOnTheSphere() {
        // m = 3: E[max_k |u_k|] over the unit sphere by midpoint quadrature in spherical coordinates (sin θ dθ dφ / 4π)
        int nt = 1000, np = 2000;
        double sum = 0;
        for (int i = 0; i < nt; i++) {
            double theta = Math.PI * (i + 0.5) / nt;
            for (int j = 0; j < np; j++) {
                double phi = 2 * Math.PI * (j + 0.5) / np;
                double max = Math.max(Math.abs(Math.cos(theta)), Math.max(Math.abs(Math.sin(theta) * Math.cos(phi)),
                        Math.abs(Math.sin(theta) * Math.sin(phi))));
                sum += max * Math.sin(theta);
            }
        }
        double quadrature = sum * (Math.PI / nt) * (2 * Math.PI / np) / (4 * Math.PI);
        double b3 = BasisAlignment.randomBaseline(3);
        assertEquals(quadrature, b3, 1e-3);
        double b10 = BasisAlignment.randomBaseline(10);
        assertEquals(true, b10 > 1 / Math.sqrt(10) && b10 < b3, "the baseline falls with m toward 1/√m");
        assertEquals(1, BasisAlignment.randomBaseline(1), 0);
    }

    @Test
    void tableNormalisesAgainstTheBaseline() {
        double[][][] w = {{{1, 0}, {0, 1}}, {{1, 1}, {1, -1}}, pentagon(0)};
        CircuitTable t = BasisAlignment.table(w, 2);
        double base = 2 * Math.sqrt(2) / Math.PI;
        assertArrayEquals(new double[] {1, base, 1 / Math.sqrt(2), 1}, t.values()[0], 1e-12);
        assertEquals(1 / Math.sqrt(2), t.values()[1][0], 1e-12);
        assertEquals((1 / Math.sqrt(2) - base) / (1 - base), t.values()[1][3], 1e-12);
        assertEquals(true, t.values()[1][3] < 0, "anti-aligned is below 0");
    }
}
