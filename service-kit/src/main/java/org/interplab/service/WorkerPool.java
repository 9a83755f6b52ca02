package org.interplab.service;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Worker threads that claim work from a job table until the service stops: the loop the trainer's training jobs, the
 * analysis jobs and the Neuroscope scans share. Each worker calls {@link Step#run} with its own id (host, pool name,
 * index and a random suffix, so a restarted process never takes its old claims for its own); when there was nothing
 * to do it sleeps one poll interval. A runtime error (the job table itself unreachable, a database restart) is logged
 * and the worker polls again after at least a second. {@link #stop} interrupts the workers and waits up to 10 s.
 */
public final class WorkerPool {
    private static final Logger LOG = Logger.getLogger(WorkerPool.class);

    /** One piece of work if any is ready; false when there was none. */
    @FunctionalInterface
    public interface Step {
        boolean run(String workerId) throws InterruptedException;
    }

    private final String name;
    private final Duration pollInterval;
    private final Step step;
    private final ExecutorService pool;
    private volatile boolean running = true;

    private WorkerPool(String name, int workers, Duration pollInterval, Step step) {
        this.name = name;
        this.pollInterval = pollInterval;
        this.step = step;
        this.pool = Executors.newFixedThreadPool(Math.max(1, workers), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts {@code workers} threads named {@code name}; none (and a pool that is never running) when 0 or fewer. */
    public static WorkerPool start(String name, int workers, Duration pollInterval, Step step) {
        WorkerPool p = new WorkerPool(name, workers, pollInterval, step);
        String host = ManagementFactory.getRuntimeMXBean().getName();
        for (int i = 0; i < workers; i++) {
            String id = host + "/" + name + i + "/" + UUID.randomUUID().toString().substring(0, 8);
            p.pool.submit(() -> p.loop(id));
        }
        return p;
    }

    /** False once {@link #stop} was called: a worker interrupted then is stopping, not failing. */
    public boolean running() {
        return running;
    }

    public void stop() {
        running = false;
        pool.shutdownNow();
        try {
            pool.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop(String workerId) {
        while (running) {
            try {
                if (!step.run(workerId)) {
                    Thread.sleep(pollInterval.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.warnf(e, "%s: %s; polling again", name, e.toString());
                try {
                    Thread.sleep(Math.max(1000, pollInterval.toMillis()));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
