package org.interplab.core.train;

/**
 * Which steps get a checkpoint: "geometric" (the seed notebooks' schedule, starting at step 0: next = max(next+1,
 * ⌊next·1.1⌋), so every step up to 10, then ever sparser) or "every" n steps (0, n, 2n, …). The final step always
 * gets one; the trainer adds it.
 */
public final class CheckpointSchedule {
    private final boolean geometric;
    private final long every;

    public CheckpointSchedule(String kind, Integer every) {
        this.geometric = kind == null || "geometric".equals(kind);
        this.every = every == null ? 0 : every;
        if (!geometric && this.every <= 0) {
            throw new IllegalArgumentException("checkpoints 'every' needs checkpointEvery > 0");
        }
    }

    /** The first scheduled step ≥ {@code step}. */
    public long nextAtOrAfter(long step) {
        if (!geometric) {
            return (step + every - 1) / every * every;
        }
        long next = 0;
        while (next < step) {
            next = Math.max(next + 1, (long) Math.floor(next * 1.1));
        }
        return next;
    }

    public boolean isDue(long step) {
        return nextAtOrAfter(step) == step;
    }
}
