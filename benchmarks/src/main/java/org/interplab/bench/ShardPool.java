package org.interplab.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.interplab.core.task.TokenBatch;

/** A fixed pool of Java threads that each run one shard of a batch (data parallelism inside one JVM). */
final class ShardPool implements AutoCloseable {
    private final int shards;
    private final ExecutorService pool;

    ShardPool(int shards) {
        this.shards = shards;
        pool = Executors.newFixedThreadPool(shards, r -> {
            Thread t = new Thread(r, "bench-shard");
            t.setDaemon(true);
            return t;
        });
    }

    /** The batch's sequences in {@code shards} contiguous parts of (nearly) equal size. */
    List<TokenBatch> split(TokenBatch batch) {
        int[] all = new int[batch.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        List<TokenBatch> parts = new ArrayList<>();
        for (int s = 0; s < shards; s++) {
            parts.add(batch.rows(all, all.length * s / shards, all.length * (s + 1) / shards));
        }
        return parts;
    }

    <R> List<R> map(List<TokenBatch> parts, Function<TokenBatch, R> body) {
        List<Future<R>> fs = new ArrayList<>();
        for (TokenBatch p : parts) {
            fs.add(pool.submit(() -> body.apply(p)));
        }
        List<R> out = new ArrayList<>();
        try {
            for (Future<R> f : fs) {
                out.add(f.get());
            }
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
