package org.interplab.core.model.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * The Java threads the CPU kernels run on: a small shared fork-join pool, sized by the system property
 * {@code interplab.kernel.threads}, else the environment variable {@code LAB_KERNEL_THREADS}, else the machine's
 * processor count. (ND4J's own ops use OpenMP threads, set by {@code OMP_NUM_THREADS}; the two never run at the same
 * time because the model calls them one after the other.)
 */
public final class KernelThreads {
    private static volatile int threads = configured();
    /** Set while the calling thread is itself one of several parallel workers (batch shards). */
    private static final ThreadLocal<Boolean> INLINE = ThreadLocal.withInitial(() -> false);
    private static ForkJoinPool pool;

    private KernelThreads() {
    }

    private static int configured() {
        String v = System.getProperty("interplab.kernel.threads", System.getenv("LAB_KERNEL_THREADS"));
        if (v != null && !v.isBlank()) {
            return Math.max(1, Integer.parseInt(v.trim()));
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** The number of threads the kernels use. */
    public static int get() {
        return threads;
    }

    /** Sets the number of threads (at least 1) for the kernels called after this. */
    public static synchronized void set(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("kernel threads must be at least 1, got " + n);
        }
        if (n != threads && pool != null) {
            pool.shutdown();
            pool = null;
        }
        threads = n;
    }

    private static synchronized ForkJoinPool pool() {
        if (pool == null) {
            pool = new ForkJoinPool(threads, p -> {
                var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
                t.setDaemon(true);
                t.setName("interplab-kernel-" + t.getPoolIndex());
                return t;
            }, null, false);
        }
        return pool;
    }

    /**
     * Runs {@code body} with every kernel call it makes on the calling thread, whatever {@link #get()} says: for a
     * thread that is already one of several running in parallel (a batch shard), where splitting again only makes
     * the threads contend for the same cores.
     */
    public static <R> R onThisThread(Supplier<R> body) {
        boolean was = INLINE.get();
        INLINE.set(true);
        try {
            return body.get();
        } finally {
            INLINE.set(was);
        }
    }

    /**
     * Below this many inner-loop operations (items × work per item) a call runs on the calling thread: handing parts
     * to the pool costs tens of µs, and on a busy machine a part can wait a whole time slice for a core. Measured in
     * the end-to-end tests beside another training run: the xor preset (batch 4) took 27 ms a step with its attention
     * split over two threads. Tests lower it to exercise the pool on small shapes.
     */
    static volatile long minParallelWork = 1L << 18;

    /**
     * Runs {@code body} for every index in [0, n), split into contiguous ranges over the pool (on the calling thread
     * when one thread is configured, n is small, the whole call is less than {@link #minParallelWork} or the caller
     * is inside {@link #onThisThread}). A few more ranges than threads, so that a core taken by another process does
     * not hold the others up.
     */
    static void forRange(int n, long workPerItem, RangeBody body) {
        int t = threads;
        if (t == 1 || n < 2 || (long) n * workPerItem < minParallelWork || INLINE.get()) {
            body.run(0, n);
            return;
        }
        int parts = Math.min(n, 4 * t);
        List<Callable<Void>> tasks = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            int from = (int) ((long) n * p / parts), to = (int) ((long) n * (p + 1) / parts);
            tasks.add(() -> {
                body.run(from, to);
                return null;
            });
        }
        try {
            for (Future<Void> f : pool().invokeAll(tasks)) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted in a kernel", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
    }

    @FunctionalInterface
    interface RangeBody {
        void run(int from, int to);
    }
}
