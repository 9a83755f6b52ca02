package org.interplab.core.train;

import org.interplab.contracts.spec.TrainingSpec;

/**
 * Learning rate at a step (0-based): "constant"; "linear-warmup" (lr·(s+1)/warmup for the first warmupSteps, then
 * lr); "cosine" (the same warmup, then lr·½(1 + cos(π·progress)) decaying to 0 at the last step).
 */
public final class LrSchedule {
    private final String kind;
    private final double lr;
    private final int warmup;
    private final long total;

    public LrSchedule(TrainingSpec spec) {
        this(spec.schedule() == null ? "constant" : spec.schedule(), spec.lr(),
                spec.warmupSteps() == null ? 0 : spec.warmupSteps(), spec.steps());
    }

    public LrSchedule(String kind, double lr, int warmup, long total) {
        this.kind = kind;
        this.lr = lr;
        this.warmup = warmup;
        this.total = total;
    }

    public double at(long step) {
        if (!"constant".equals(kind) && step < warmup) {
            return lr * (step + 1) / warmup;
        }
        return switch (kind) {
            case "constant", "linear-warmup" -> lr;
            case "cosine" -> {
                long span = Math.max(1, total - warmup);
                double progress = Math.min(1.0, (step - warmup) / (double) span);
                yield lr * 0.5 * (1 + Math.cos(Math.PI * progress));
            }
            default -> throw new IllegalArgumentException("unknown schedule '" + kind + "'");
        };
    }
}
