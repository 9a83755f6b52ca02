package org.interplab.core.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link FastTanh} against {@link Math#tanh}: the stated bound on a dense grid, oddness, the ends. */
class FastTanhTest {
    @Test
    void absoluteErrorBelow4e7OnADenseGrid() {
        double worst = 0;
        float at = 0;
        for (int i = -2_000_000; i <= 2_000_000; i++) {
            float u = i * 6e-6f; // [−12, 12], every 6e-6
            double e = Math.abs(FastTanh.tanh(u) - Math.tanh(u));
            if (e > worst) {
                worst = e;
                at = u;
            }
        }
        assertTrue(worst < 4e-7, "largest absolute error " + worst + " at " + at);
    }

    @Test
    void oddExactAtZeroAndSaturated() {
        assertEquals(0f, FastTanh.tanh(0f));
        for (float u : new float[] {1e-30f, 1e-6f, 0.3f, 2f, 7.9f, 50f}) {
            assertEquals(-FastTanh.tanh(u), FastTanh.tanh(-u), "tanh(−u) = −tanh(u) at " + u);
            assertEquals(Math.tanh(u), FastTanh.tanh(u), Math.max(4e-7, 1e-6 * u), "at " + u);
        }
        assertEquals(1f, FastTanh.tanh(Float.MAX_VALUE), 1e-6f);
        assertEquals(-1f, FastTanh.tanh(Float.NEGATIVE_INFINITY), 1e-6f);
        assertTrue(Float.isNaN(FastTanh.tanh(Float.NaN)));
    }
}
