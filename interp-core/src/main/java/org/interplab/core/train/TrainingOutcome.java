package org.interplab.core.train;

import java.util.Map;

/** How a run ended: the step reached, whether it was cancelled, and the metrics of its last evaluation. */
public record TrainingOutcome(long step, boolean cancelled, Map<String, Double> finalMetrics) {
}
