package org.interplab.core.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.interplab.contracts.spec.TaskSpec;
import org.junit.jupiter.api.Test;

/**
 * The TMS sampler's distribution, with a fixed seed: presence rates per instance (z-test, 4.5 binomial SDs) and per
 * feature (chi-square), present values uniform on [0, 1) (mean and variance), for probabilities on both sides of
 * {@link TmsTask#SKIP_BELOW} down to 0.001. Sized so that a probability off by 10 % fails the z-test.
 */
class TmsSamplerTest {
    private static final int FEATURES = 100;
    private static final int BATCH = 25_000;
    private static final List<Double> P = List.of(1.0, 0.5, 0.1, 0.05, 0.01, 0.001);

    private static float[] sample(long seed) {
        TaskSpec spec = new TaskSpec("tms", null, null, null, null, FEATURES, null, 1.0, null, P);
        return new TmsTask(spec, P.size()).sampleValues(BATCH, new Rng(seed));
    }

    @Test
    void presenceRatesAndValuesMatchTheDistribution() {
        float[] x = sample(42);
        int per = BATCH * FEATURES;
        for (int i = 0; i < P.size(); i++) {
            double p = P.get(i);
            long present = 0;
            long[] perFeature = new long[FEATURES];
            double sum = 0, sumSq = 0;
            for (int k = 0; k < per; k++) {
                float v = x[i * per + k];
                assertTrue(v >= 0 && v < 1, "value out of [0, 1): " + v);
                if (v != 0) {
                    present++;
                    perFeature[k % FEATURES]++;
                    sum += v;
                    sumSq += (double) v * v;
                }
            }
            double expected = p * per, sd = Math.sqrt(per * p * (1 - p));
            if (p == 1) {
                // a present value can be exactly 0 with probability 2^-40 per entry: not in this batch
                assertEquals(per, present, "p = 1: every entry present");
            } else {
                assertTrue(Math.abs(present - expected) < 4.5 * sd,
                        String.format("p = %s: %d present, expected %.0f ± %.0f", p, present, expected, sd));
                // 10 % off would be ≥ 4.5 SDs away at every p here (p·N ≥ 2500)
                assertTrue(0.1 * expected > 4.5 * sd, "test too small to see a 10 % error at p = " + p);
                double chi2 = 0, e = p * BATCH;
                for (long c : perFeature) {
                    chi2 += (c - e) * (c - e) / (e * (1 - p));
                }
                // 99 degrees of freedom: mean 99, SD 14
                assertTrue(chi2 < 99 + 5 * 14, "per-feature presence chi² " + chi2 + " at p = " + p);
            }
            double mean = sum / present, var = sumSq / present - mean * mean;
            double seMean = Math.sqrt(1.0 / 12 / present);
            assertEquals(0.5, mean, 4.5 * seMean, "mean of present values at p = " + p);
            // Var of U² is 4/45, so the sample variance's SE is about sqrt((1/80) / n)
            assertEquals(1.0 / 12, var, 4.5 * Math.sqrt(1.0 / 80 / present), "variance at p = " + p);
        }
    }

    @Test
    void aFixedSeedGivesTheSameBatchAndTheStreamMovesOn() {
        assertArrayEquals(sample(7), sample(7));
        TaskSpec spec = new TaskSpec("tms", null, null, null, null, FEATURES, null, 1.0, null, P);
        TmsTask task = new TmsTask(spec, P.size());
        Rng rng = new Rng(7);
        float[] first = task.sampleValues(64, rng);
        float[] second = task.sampleValues(64, rng);
        assertTrue(!java.util.Arrays.equals(first, second), "consecutive batches differ");
        // resuming from the stored state continues the stream exactly
        Rng a = new Rng(9);
        task.sampleValues(64, a);
        Rng resumed = new Rng(a.state());
        assertArrayEquals(task.sampleValues(64, a), task.sampleValues(64, resumed));
    }

    @Test
    void samplingIntoReusedArraysGivesTheSameBatches() {
        TaskSpec spec = new TaskSpec("tms", null, null, null, null, FEATURES, null, 1.0, null, P);
        TmsTask task = new TmsTask(spec, P.size());
        Rng a = new Rng(11), b = new Rng(11);
        org.nd4j.linalg.api.ndarray.INDArray into = org.nd4j.linalg.factory.Nd4j.create(
                org.nd4j.linalg.api.buffer.DataType.FLOAT, P.size(), 32, FEATURES);
        float[] buffer = new float[P.size() * 32 * FEATURES];
        for (int step = 0; step < 3; step++) {
            float[] fresh = task.sample(32, a, org.nd4j.linalg.api.buffer.DataType.FLOAT).data().asFloat();
            // the reused arrays hold exactly this step's batch (no entries left from the step before)
            assertArrayEquals(fresh, task.sample(32, b, into, buffer).data().asFloat());
        }
    }

    @Test
    void geometricGapsHaveTheirDistribution() {
        // P(gap = k) = (1 − p)^k·p: mean (1 − p)/p, and P(gap = 0) = p
        double p = 0.01;
        Rng rng = new Rng(3);
        int n = 200_000, zeros = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            long g = rng.nextGeometric(Math.log1p(-p));
            assertTrue(g >= 0);
            zeros += g == 0 ? 1 : 0;
            sum += g;
        }
        double mean = (1 - p) / p, sdMean = Math.sqrt((1 - p) / (p * p) / n);
        assertEquals(mean, sum / n, 4.5 * sdMean);
        assertEquals(p * n, zeros, 4.5 * Math.sqrt(n * p * (1 - p)));
    }
}
