package org.interplab.core.neuroscope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;

/** Seed 001 §2's cosine-structure view on planted structure, and the greedy path against a plain reading of it. */
class NeuronWeightsTest {
    /** n unit vectors in 3 tight clusters (shuffled), in d dimensions. */
    static float[][] clustered(int n, int d, long seed) {
        Rng rng = new Rng(seed);
        float[][] centres = new float[3][d];
        for (float[] c : centres) {
            for (int j = 0; j < d; j++) {
                c[j] = (float) rng.nextGaussian();
            }
        }
        float[][] v = new float[n][d];
        for (int i = 0; i < n; i++) {
            float[] c = centres[rng.nextInt(3)];
            for (int j = 0; j < d; j++) {
                v[i][j] = c[j] + 0.05f * (float) rng.nextGaussian();
            }
            v[i] = NeuronWeights.unit(v[i]);
        }
        return v;
    }

    @Test
    void clusteredNeuronsShowStructureThatARandomMatrixDoesNot() {
        float[][] v = clustered(60, 32, 3);
        NeuronWeights.CosineStructure cs = NeuronWeights.cosineStructure(v, 16, 9);
        int[] sorted = cs.order().clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i], "the path visits every neuron once");
        }
        assertTrue(cs.pathMeanSqCos() > 0.9, "adjacent neurons on the path are in one cluster: " + cs.pathMeanSqCos());
        assertTrue(cs.randomPathMeanSqCos() < 0.3, "random: " + cs.randomPathMeanSqCos());
        assertEquals(15, cs.pooled().length, "60 neurons pooled by 4");
        // the path's statistic equals the mean of squared cosines between consecutive neurons, recomputed
        double sum = 0;
        for (int i = 1; i < v.length; i++) {
            double c = NeuronWeights.dot(v[cs.order()[i - 1]], v[cs.order()[i]]);
            sum += c * c;
        }
        assertEquals(sum / (v.length - 1), cs.pathMeanSqCos(), 1e-9);
        // greedy: each step is the best unvisited neighbour
        boolean[] used = new boolean[v.length];
        used[cs.order()[0]] = true;
        for (int i = 1; i < v.length; i++) {
            int cur = cs.order()[i - 1];
            double taken = Math.pow(NeuronWeights.dot(v[cur], v[cs.order()[i]]), 2);
            for (int j = 0; j < v.length; j++) {
                if (!used[j]) {
                    assertTrue(Math.pow(NeuronWeights.dot(v[cur], v[j]), 2) <= taken + 1e-12);
                }
            }
            used[cs.order()[i]] = true;
        }
    }
}
