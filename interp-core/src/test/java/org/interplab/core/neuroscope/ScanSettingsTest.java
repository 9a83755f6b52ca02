package org.interplab.core.neuroscope;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;

/** The scan's branch-free per-activation arithmetic against the plain forms, on edge values and random bit patterns. */
class ScanSettingsTest {
    /** Edge floats: zeros, denormals, band edges, histogram edges, extremes, infinities, NaNs (with payloads). */
    static List<Float> edgeValues(ScanSettings s) {
        List<Float> v = new ArrayList<>();
        float[] plain = {0f, Float.MIN_VALUE, Float.MIN_NORMAL, Math.nextDown(Float.MIN_NORMAL), Float.MAX_VALUE,
                Float.POSITIVE_INFINITY, 1f, 1.5f, 3f, s.histLo(), s.histHi()};
        for (float f : plain) {
            for (float g : new float[] {f, Math.nextUp(f), Math.nextDown(f)}) {
                v.add(g);
                v.add(-g);
            }
        }
        for (int e = -130; e <= 130; e++) {
            for (double m : new double[] {1, 1.5}) {
                float f = (float) Math.scalb(m, e);
                v.add(f);
                v.add(Math.nextUp(f));
                v.add(Math.nextDown(f));
            }
        }
        for (int b = 1; b <= s.histBins() + 1; b++) {
            float f = (float) s.binLow(b);
            v.add(f);
            v.add(Math.nextUp(f));
            v.add(Math.nextDown(f));
        }
        for (int bits : new int[] {0x7fc00000, 0x7f800001, 0x7fffffff, 0xffc00000, 0xff800001, 0xffffffff, 0x80000000,
                0x80000001}) {
            v.add(Float.intBitsToFloat(bits));
        }
        return v;
    }

    static void forEdgeAndRandomValues(ScanSettings s, java.util.function.Consumer<Float> check) {
        edgeValues(s).forEach(check);
        Rng rng = new Rng(5);
        for (int i = 0; i < 300_000; i++) {
            check.accept(Float.intBitsToFloat((int) rng.nextLong()));
            check.accept((float) (rng.nextGaussian() * 2)); // where activations are
        }
    }

    @Test
    void bandOrNoneIsThePlainLookup() {
        int row = 7 * ScanSettings.BANDS, none = 1000;
        List<Float> values = new ArrayList<>();
        for (int top = 0; top < 1 << 10; top++) { // every top-ten-bit prefix (its table entry), at both ends and inside
            for (int low : new int[] {0, 1, 0x1234, 0x3fffff}) {
                values.add(Float.intBitsToFloat(top << 22 | low));
            }
        }
        ScanSettings s = ScanSettings.defaults();
        java.util.function.Consumer<Float> check = a -> {
            int bits = Float.floatToRawIntBits(a);
            int b = (((bits >>> 23) & 0xff) - 127 - ScanSettings.BAND_MIN_EXP) * 2 + ((bits >>> 22) & 1);
            int band = b < 0 ? 0 : Math.min(ScanSettings.BANDS - 1, b);
            assertEquals(band, ScanSettings.band(a), () -> "band of " + a);
            assertEquals(a > 0 ? row + band : none, ScanSettings.bandOrNone(a, row, none),
                    () -> "bits " + Integer.toHexString(bits));
        };
        values.forEach(check);
        forEdgeAndRandomValues(s, check);
    }
}
