package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NeuronPolysemanticityTest {

    @Test
    void sharesCountedByHand() {
        // features × neurons: n0 = (1, 1, 0) shares ½ ½ 0; n1 = (0, 3, 4) shares 0 .36 .64; n2 unused
        double[][] w = {{1, 0, 0}, {1, 3, 0}, {0, 4, 0}};
        double[][] per = NeuronPolysemanticity.perNeuron(w);
        assertArrayEquals(new double[] {2, 2, 0, 0.5, Math.sqrt(2)}, per[0], 1e-12);
        assertArrayEquals(new double[] {1 / (0.36 * 0.36 + 0.64 * 0.64), 2, 2, 0.64, 5}, per[1], 1e-12);
        assertArrayEquals(new double[] {0, 0, 0, 0, 0}, per[2], 0);
        // n features sharing one neuron equally: n effective features
        double[][] five = {{2}, {-2}, {2}, {2}, {-2}};
        assertEquals(5, NeuronPolysemanticity.perNeuron(five)[0][0], 1e-12);
    }

    @Test
    void tmsPentagonNeuronsCarryFeaturesByCos2() {
        // pentagon W: neuron x carries cos² of each angle; Σ cos² = 5/2, Σ cos⁴ = 15/8 → effective (5/2)²/(15/8) = 10/3
        Map<String, CircuitTable> t = TmsCircuitsTest.tables(TmsCircuitsTest.twoInstances(),
                TmsCircuitsTest.spec(2, 2, 5, 0.1));
        CircuitTable pentagon = t.get("neuron_polysemanticity.I0");
        assertEquals(List.of("n0", "n1"), pentagon.rowLabels());
        assertEquals(10.0 / 3, pentagon.values()[0][0], 1e-5);
        assertEquals(10.0 / 3, pentagon.values()[1][0], 1e-5);
        // instance 1: n0 carries f0 and f1 (±1) → 2; n1 carries f2 alone → 1
        CircuitTable summary = t.get("polysemanticity");
        assertEquals(List.of("I0", "I1"), summary.rowLabels());
        assertArrayEquals(new double[] {2, 1}, summary.values()[1], 1e-6);
        assertArrayEquals(new double[] {2, 2, 0, 0.5, Math.sqrt(2)}, t.get("neuron_polysemanticity.I1").values()[0],
                1e-6);
    }
}
