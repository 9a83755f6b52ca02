package org.interplab.contracts.spec;

/**
 * Optimisation. optimizer: "adam" or "adamw" (decoupled weight decay); schedule: "constant", "linear-warmup" or
 * "cosine" (with optional warmupSteps); steps: optimizer steps in total; evalEvery: steps between evaluations;
 * checkpoints: "geometric" (the seed notebooks' next = max(next+1, next·1.1)) or "every" with checkpointEvery.
 */
public record TrainingSpec(String optimizer, Double lr, Double weightDecay, Double beta1, Double beta2,
                           String schedule, Integer warmupSteps, Integer batchSize, Integer steps, Integer evalEvery,
                           String checkpoints, Integer checkpointEvery) {
}
