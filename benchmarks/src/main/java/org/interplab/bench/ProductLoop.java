package org.interplab.bench;

import java.util.Map;
import java.util.concurrent.Semaphore;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.train.ModelState;
import org.interplab.core.train.Trainer;
import org.interplab.core.train.TrainingListener;

/**
 * The product's own training loop ({@link Trainer#train}: batch order, the problem's step with its batch shards,
 * AdamW with the schedule, evaluations and checkpoints when the spec makes them due), stepped from outside so that
 * it can be timed step by step beside other variants in one run. The loop runs on a thread of its own, as in the
 * trainer service; {@link #step()} lets it run exactly one step and returns when the loop polls
 * {@link TrainingListener#cancelRequested()} again, which it does once per step. The hand-over between the two
 * threads is inside the measured time (tens of µs per step: it can only make the product look slower).
 */
final class ProductLoop implements AutoCloseable {
    private final Semaphore go = new Semaphore(0);
    private final Semaphore done = new Semaphore(0);
    private final Thread loop;
    private volatile boolean stop;
    private volatile RuntimeException failure;

    ProductLoop(ExperimentSpec spec) {
        TrainingListener listener = new TrainingListener() {
            private boolean polled;

            @Override
            public void onEval(long step, long totalSteps, Map<String, Double> metrics) {
            }

            @Override
            public void onCheckpoint(ModelState state, Map<String, Double> metrics, boolean isFinal) {
            }

            @Override
            public boolean cancelRequested() {
                if (polled) {
                    done.release(); // the step since the last poll is over
                }
                polled = true;
                go.acquireUninterruptibly();
                return stop;
            }
        };
        loop = new Thread(() -> {
            try {
                Trainer.train(spec, null, listener);
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                done.release(); // never leave step() waiting
            }
        }, "bench-product-loop");
        loop.setDaemon(true);
        loop.start();
    }

    /** One step of the product's loop (the first call also waits for its set-up and step-0 evaluation). */
    void step() {
        go.release();
        done.acquireUninterruptibly();
        if (failure != null) {
            throw new IllegalStateException("the product's training loop failed", failure);
        }
        if (!loop.isAlive()) {
            throw new IllegalStateException("the product's training loop ended: raise the spec's steps");
        }
    }

    @Override
    public void close() {
        stop = true;
        go.release();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
