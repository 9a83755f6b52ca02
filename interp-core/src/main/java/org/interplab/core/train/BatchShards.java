package org.interplab.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import org.interplab.core.model.kernels.KernelThreads;

/**
 * Data parallelism inside one JVM for the toy transformers' steps: a batch in contiguous shards whose loss and
 * gradients run at the same time, one Java thread each (each shard's ND4J ops and attention kernels on its own
 * thread: {@link KernelThreads#onThisThread}), then combined weighted by loss positions. Measured on 2 cores with one
 * OpenMP thread (docs/benchmarks.md, `Bench speed`): the addition step as 2 shards took 40 ms against 52 ms with
 * its attention kernel split over 2 threads and 52 ms on one — the GEMMs and the element-wise ops run in parallel
 * too, not only the kernel — while two OpenMP threads made every variant slower.
 *
 * <p>The shard count is process-wide like {@link KernelThreads}': the system property
 * {@code interplab.batch.shards}, else the environment variable {@code LAB_BATCH_SHARDS}, else 1; the trainer service
 * sets it from the jobs running (a lone job: the core count; several: 1 each). A batch is cut into at most
 * {@code count} shards of at least {@link #MIN_SEQUENCES} sequences (below that, handing work to another thread costs
 * more than it saves).
 */
public final class BatchShards {
    /** The smallest shard worth a thread of its own. */
    static final int MIN_SEQUENCES = 32;
    private static volatile int count = configured();
    private static ExecutorService pool;

    private BatchShards() {
    }

    private static int configured() {
        String v = System.getProperty("interplab.batch.shards", System.getenv("LAB_BATCH_SHARDS"));
        return v == null || v.isBlank() ? 1 : Math.max(1, Integer.parseInt(v.trim()));
    }

    /** The configured shard count. */
    public static int get() {
        return count;
    }

    /** Sets the shard count (at least 1) for the steps that start after this. */
    public static void set(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("batch shards must be at least 1, got " + n);
        }
        count = n;
    }

    /** The shards a batch of {@code sequences} is cut into. */
    static int forBatch(int sequences) {
        return Math.max(1, Math.min(count, sequences / MIN_SEQUENCES));
    }

    /** Where shard s of n over {@code sequences} starts (shard s is [from(s), from(s + 1))). */
    static int from(int s, int n, int sequences) {
        return (int) ((long) sequences * s / n);
    }

    private static synchronized ExecutorService pool() {
        if (pool == null) {
            pool = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "interplab-shard");
                t.setDaemon(true);
                return t;
            });
        }
        return pool;
    }

    /**
     * body(0) … body(n − 1) at the same time: shard 0 on the calling thread, the others on the pool, every one with
     * its kernels on its own thread (n = 1: body(0) as it is); the results in shard order.
     */
    static <R> List<R> map(int n, IntFunction<R> body) {
        if (n == 1) {
            return List.of(body.apply(0)); // no other shard: the kernels may use their threads
        }
        List<Future<R>> others = new ArrayList<>();
        for (int s = 1; s < n; s++) {
            int shard = s;
            others.add(pool().submit(() -> KernelThreads.onThisThread(() -> body.apply(shard))));
        }
        List<R> out = new ArrayList<>(n);
        out.add(KernelThreads.onThisThread(() -> body.apply(0)));
        try {
            for (Future<R> f : others) {
                out.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted in a batch shard", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        return out;
    }
}
