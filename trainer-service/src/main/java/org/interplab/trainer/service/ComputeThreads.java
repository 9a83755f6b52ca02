package org.interplab.trainer.service;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.TaskShapes;
import org.interplab.core.model.kernels.KernelThreads;
import org.interplab.core.train.BatchShards;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How many threads ND4J's ops and its BLAS use, set from the mix of running jobs: a lone GEMM-bound job (a language
 * model, whose unembedding is d_model × 50 257 per token) gets every thread the process started with; toy models,
 * or several jobs at once, one thread each. Measured side by side (docs/benchmarks.md, `Bench speed` at one and two
 * OpenMP threads): two threads made the LM step ≈ 1.8× faster and the addition step slower than one thread, and two
 * runs on one thread each use both cores better than one run on two.
 *
 * <p>The Java threads of interp-core's CPU kernels (the fused attention kernel of small heads, {@link KernelThreads})
 * and its batch shards ({@link BatchShards}: a toy transformer's batch in parallel parts, one Java thread each)
 * follow the job count, not its kind: a lone job of any kind gets the ceiling, several jobs one each. Measured
 * (docs/benchmarks.md, `Bench speed`, one OpenMP thread, quiet): the addition step as 2 batch shards took 40 ms
 * against 52 ms with its attention kernel on two Java threads and 52 ms on one — the shards run the GEMMs in
 * parallel too; a shard runs its kernels on its own thread, and batches under 64 sequences stay whole (then the
 * kernel threads apply). Two jobs that each spread over both cores only contend.
 *
 * <p>The settings are process-wide (OpenMP and OpenBLAS have one pool each) and can only narrow what the process
 * started with ({@code OMP_NUM_THREADS}, which infra/services.sh sets to the core count for the trainer), so the
 * ceiling is read once at start.
 */
@ApplicationScoped
public class ComputeThreads {
    private final Map<UUID, Boolean> running = new LinkedHashMap<>(); // job → GEMM-bound
    private int ceiling;
    private int current;

    public ComputeThreads() {
    }

    /** With a known ceiling and ND4J's setting unknown, so the first job sets it (tests). */
    ComputeThreads(int ceiling) {
        this.ceiling = ceiling;
    }

    /** The threads a lone GEMM-bound job gets: what ND4J started with. */
    synchronized int ceiling() {
        if (ceiling == 0) {
            ceiling = Math.max(1, Nd4j.getEnvironment().maxThreads());
            current = ceiling;
        }
        return ceiling;
    }

    synchronized void started(UUID job, ExperimentSpec spec) {
        running.put(job, gemmBound(spec));
        apply();
    }

    synchronized void finished(UUID job) {
        running.remove(job);
        apply();
    }

    /** The kernels' Java threads and batch shards for the jobs running now: the ceiling for a lone job, else 1. */
    synchronized int kernelThreadsForRunning() {
        return running.size() <= 1 ? ceiling() : 1;
    }

    /** The thread count for the jobs running now. */
    synchronized int forRunning() {
        boolean alone = running.size() == 1 && running.values().iterator().next();
        return alone ? ceiling() : 1;
    }

    private void apply() {
        KernelThreads.set(kernelThreadsForRunning());
        BatchShards.set(kernelThreadsForRunning());
        int n = forRunning();
        if (n != current) {
            Nd4j.getEnvironment().setMaxThreads(n);
            Nd4j.factory().blas().setMaxThreads(n);
            current = n;
            Log.infof("compute threads: %d (%d job(s) running)", n, running.size());
        }
    }

    /** A language model: the vocabulary-sized unembedding GEMM dominates its step. */
    static boolean gemmBound(ExperimentSpec spec) {
        return spec.task() != null && TaskShapes.LM.equals(spec.task().kind());
    }
}
