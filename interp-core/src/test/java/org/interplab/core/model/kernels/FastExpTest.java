package org.interplab.core.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link FastExp} against {@link Math#exp}: the stated error bound on a dense grid, the clamp, every lane count. */
class FastExpTest {
    @Test
    void relativeErrorBelow1e13OverTheWholeRange() {
        int n = 1_000_001;
        double[] x = new double[n], shift = new double[n], out = new double[n], tmp = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = FastExp.MIN_ARG * i / (n - 1);
        }
        FastExp.expShifted(x, shift, out, tmp, n);
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(x[i]);
            worst = Math.max(worst, Math.abs(out[i] - e) / e);
        }
        assertTrue(worst < 1e-13, "largest relative error " + worst);
        assertEquals(1.0, out[0], 1e-15);
    }

    @Test
    void argumentsAreShiftedAndClampedAtMinus87() {
        double[] x = {3.0, -100.0, 2.5};
        double[] shift = {3.0, 0.0, 3.0};
        double[] out = new double[3];
        FastExp.expShifted(x, shift, out, new double[3], 3);
        assertEquals(1.0, out[0], 1e-15);
        assertEquals(Math.exp(FastExp.MIN_ARG), out[1], 1e-13 * Math.exp(FastExp.MIN_ARG));
        assertEquals(Math.exp(-0.5), out[2], 1e-13 * Math.exp(-0.5));
    }

    @Test
    void everyLaneCountAndInPlace() {
        for (int n : new int[] {1, 3, 8, 17, 64, 257}) {
            double[] x = new double[n + 5], shift = new double[n + 5], tmp = new double[n];
            for (int i = 0; i < x.length; i++) {
                x[i] = -0.37 * i;
                shift[i] = 0.1 * (i % 3);
            }
            double[] before = x.clone();
            FastExp.expShifted(x, shift, x, tmp, n);
            for (int i = 0; i < x.length; i++) {
                double expected = i < n ? Math.exp(Math.max(before[i] - shift[i], FastExp.MIN_ARG)) : before[i];
                assertEquals(expected, x[i], 1e-13 * Math.abs(expected), "lane " + i + " of " + n);
            }
        }
    }

    @Test
    void floatTwinWithin1e5OverTheWholeRangeAndShifted() {
        int n = 1_000_001;
        float[] x = new float[n], shift = new float[n], out = new float[n], tmp = new float[n];
        for (int i = 0; i < n; i++) {
            shift[i] = (i % 7) * 0.5f;
            x[i] = (float) (FastExp.MIN_ARG * i / (n - 1)) + shift[i];
        }
        FastExp.expShifted(x, shift, out, tmp, n);
        double worst = 0, sum = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(Math.max((double) x[i] - shift[i], FastExp.MIN_ARG));
            double rel = Math.abs(out[i] - e) / e;
            worst = Math.max(worst, rel);
            sum += rel;
        }
        assertTrue(worst < 1e-5, "largest relative error " + worst);
        assertTrue(sum / n < 3e-6, "mean relative error " + sum / n);
        float[] clamped = {-200f, 0f};
        FastExp.expShifted(clamped, new float[] {0f, 0f}, clamped, new float[2], 2);
        assertEquals(Math.exp(FastExp.MIN_ARG), clamped[0], 1e-5 * Math.exp(FastExp.MIN_ARG));
        assertEquals(1f, clamped[1], 0f);
    }
}
