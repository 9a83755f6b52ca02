package org.interplab.core.task;

import org.interplab.contracts.spec.TaskShapes;
import org.interplab.contracts.spec.TaskSpec;

/**
 * A sequence task for a transformer: a fixed training set and a test set, both generated deterministically from
 * the run's seed. Loss is taken only where {@link TokenBatch#targets()} is not {@link TokenBatch#NO_LOSS}.
 */
public interface SequenceTask {

    TaskShapes.Shape shape();

    TokenBatch train();

    TokenBatch test();

    /** True when accuracy per answer position means something (addition digits). */
    default boolean reportsPositionAccuracy() {
        return false;
    }

    static SequenceTask create(TaskSpec spec, long seed) {
        return switch (spec.kind()) {
            case "xor" -> new XorTask();
            case "ov-coherent" -> new OvCoherentTask(spec, seed);
            case "addition" -> new AdditionTask(spec, seed);
            default -> throw new IllegalArgumentException("task '" + spec.kind() + "' is not a sequence task");
        };
    }
}
