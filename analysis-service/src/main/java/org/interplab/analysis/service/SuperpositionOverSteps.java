package org.interplab.analysis.service;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.interplab.analysis.entity.AnalysisRun;
import org.interplab.core.circuits.CircuitTable;

/**
 * Polysemanticity against training step for a TMS run: per instance, features stored per hidden dimension
 * ‖W‖_F² / m (the inverse of {@code dims_per_feature}; 1 means one feature per dimension, above 1 features share
 * dimensions: superposition), at every analysed checkpoint of the run up to this one. Built from the
 * {@code dims_per_feature} tables already stored, so each checkpoint's table holds the curve so far and the final
 * checkpoint's the whole run.
 */
public final class SuperpositionOverSteps {
    public static final String NAME = "superposition_over_steps";

    private SuperpositionOverSteps() {
    }

    /** {@code current} is this checkpoint's own dims_per_feature (not stored yet). */
    public static CircuitTable build(AnalysisStore store, UUID experimentId, UUID checkpointId, long step,
                                     CircuitTable current) {
        List<String> steps = new ArrayList<>();
        List<double[]> rows = new ArrayList<>();
        for (AnalysisRun run : store.runsUpTo(experimentId, step)) {
            if (run.checkpointId.equals(checkpointId)) {
                continue;
            }
            store.table(run.checkpointId, "dims_per_feature").filter(t -> t.data() != null).ifPresent(t -> {
                steps.add(Long.toString(run.step));
                rows.add(featuresPerDimension(t.data(), t.meta().rowLabels().size(), t.meta().colLabels().size()));
            });
        }
        double[] now = new double[current.values().length];
        for (int i = 0; i < now.length; i++) {
            now[i] = inverse(current.values()[i][0]);
        }
        steps.add(Long.toString(step));
        rows.add(now);
        return new CircuitTable(NAME, NAME, "Features per hidden dimension against training step",
                "‖W‖_F² / m per instance (the inverse of dims_per_feature) at each analysed checkpoint of this run: "
                        + "1 = one feature per dimension; above 1, features share dimensions (superposition).",
                "step", "instance", steps, current.rowLabels(), rows.toArray(double[][]::new));
    }

    private static double[] featuresPerDimension(byte[] data, int nRows, int nCols) {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[nRows];
        for (int i = 0; i < nRows; i++) {
            out[i] = inverse(buf.getFloat(i * nCols * Float.BYTES));
        }
        return out;
    }

    private static double inverse(double dimsPerFeature) {
        return dimsPerFeature > 0 ? 1 / dimsPerFeature : 0;
    }
}
