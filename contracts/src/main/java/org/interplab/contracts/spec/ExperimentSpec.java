package org.interplab.contracts.spec;

import java.util.List;

/**
 * Everything needed to reproduce one training run: the data (task), the architecture (model), the optimisation
 * (training) and the seed. Stored verbatim in every checkpoint's metadata.
 */
public record ExperimentSpec(String name, TaskSpec task, ModelSpec model, TrainingSpec training, Long seed,
                             List<String> tags) {

    public ExperimentSpec withSeed(long newSeed) {
        return new ExperimentSpec(name, task, model, training, newSeed, tags);
    }
}
