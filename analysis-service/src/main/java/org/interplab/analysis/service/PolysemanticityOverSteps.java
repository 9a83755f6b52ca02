package org.interplab.analysis.service;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.interplab.analysis.entity.AnalysisRun;
import org.interplab.core.circuits.CircuitTable;

/**
 * Neuron polysemanticity against training step for a TMS or CiS run (issue 11 §3): per instance and hidden neuron,
 * the effective number of features it carries (the {@code polysemanticity} table of interp-core's
 * {@code NeuronPolysemanticity}) at every analysed checkpoint of the run up to this one. Built from the stored
 * {@code polysemanticity} tables, like {@link SuperpositionOverSteps}: the final checkpoint's table holds the whole run.
 */
public final class PolysemanticityOverSteps {
    public static final String NAME = "polysemanticity_over_steps";
    static final String SOURCE = "polysemanticity";

    private PolysemanticityOverSteps() {
    }

    /** {@code current} is this checkpoint's own polysemanticity table (not stored yet). */
    public static CircuitTable build(AnalysisStore store, UUID experimentId, UUID checkpointId, long step,
                                     CircuitTable current) {
        int nInstances = current.rowLabels().size(), nNeurons = current.colLabels().size();
        List<String> columns = new ArrayList<>();
        for (String instance : current.rowLabels()) {
            for (String neuron : current.colLabels()) {
                columns.add(instance + " " + neuron);
            }
        }
        List<String> steps = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        for (AnalysisRun run : store.runsUpTo(experimentId, step)) {
            if (run.checkpointId.equals(checkpointId)) {
                continue;
            }
            store.table(run.checkpointId, SOURCE).filter(t -> t.data() != null)
                    .filter(t -> t.meta().rowLabels().size() == nInstances && t.meta().colLabels().size() == nNeurons)
                    .ifPresent(t -> {
                        steps.add(Long.toString(run.step));
                        rows.add(flatten(t.data(), nInstances * nNeurons));
                    });
        }
        double[] now = new double[nInstances * nNeurons];
        for (int i = 0; i < nInstances; i++) {
            System.arraycopy(current.values()[i], 0, now, i * nNeurons, nNeurons);
        }
        steps.add(Long.toString(step));
        rows.add(now);
        return new CircuitTable(NAME, NAME, "Effective features per neuron against training step",
                "1/Σ_i s_ik² per instance and hidden neuron (the polysemanticity table) at each analysed checkpoint "
                        + "of this run: 1 = monosemantic, above 1 the neuron carries several features, 0 = no weight.",
                "step", "instance neuron", steps, columns, rows.toArray(double[][]::new));
    }

    private static double[] flatten(byte[] data, int n) {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = buf.getFloat(i * Float.BYTES);
        }
        return out;
    }
}
