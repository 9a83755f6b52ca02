package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class DeadNeuronsTest {
    // inputs × neurons; n0 alive, n1 dead on bits (−3 + 2 = −1) and exactly at 0 on [−1, 1]² (−3 + 2 + 1)
    static final double[][] W1 = {{-1, 2}, {-0.5, -1}};
    static final double[] B1 = {0.2, -3};

    /** Plain loops: the largest pre-activation over every bit vector, or over a grid of [−1, 1]² that holds ±1. */
    static double bruteForce(int k, boolean bits) {
        double best = Double.NEGATIVE_INFINITY;
        double[] values = bits ? new double[] {0, 1} : new double[] {-1, -0.5, 0, 0.5, 1};
        for (double a : values) {
            for (double b : values) {
                best = Math.max(best, a * W1[0][k] + b * W1[1][k] + B1[k]);
            }
        }
        return best;
    }

    @Test
    void closedFormMatchesEnumeration() {
        for (boolean bits : new boolean[] {true, false}) {
            double[] max = DeadNeurons.maxPreActivation(W1, B1, bits);
            for (int k = 0; k < 2; k++) {
                assertEquals(bruteForce(k, bits), max[k], 1e-12, "neuron " + k + (bits ? " bits" : " continuous"));
            }
        }
        assertArrayEquals(new double[] {0.2, -1}, DeadNeurons.maxPreActivation(W1, B1, true), 1e-12);
        assertArrayEquals(new double[] {1.7, 0}, DeadNeurons.maxPreActivation(W1, B1, false), 1e-12);
    }

    @Test
    void andModelWithADeadNeuronInOneInstance() {
        Map<String, INDArray> w = new LinkedHashMap<>();
        // instance 0: W1, B1 above (n1 dead); instance 1: both neurons alive
        w.put("W1", Nd4j.createFromArray(new double[][][] {W1, {{1, 1}, {1, 1}}}).castTo(DataType.FLOAT));
        w.put("b1", Nd4j.createFromArray(new double[][] {B1, {0, -1.5}}).castTo(DataType.FLOAT));
        w.put("W2", Nd4j.createFromArray(new double[][][] {{{1}, {1}}, {{1}, {1}}}).castTo(DataType.FLOAT));
        CircuitTable t = CircuitAnalysis.analyse(w, CisCircuitsTest.spec(2, 2)).stream()
                .filter(r -> r.name().equals("dead_neurons")).findFirst().orElseThrow().table();
        assertEquals(java.util.List.of("max pre n0", "max pre n1", "dead"), t.colLabels());
        assertArrayEquals(new double[] {0.2, -1, 1}, t.values()[0], 1e-6);
        assertArrayEquals(new double[] {2, 0.5, 0}, t.values()[1], 1e-6);
        assertTrue(t.description().contains("1 of 2 instances have a dead neuron"), t.description());
    }
}
