package org.interplab.trainer.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.UUID;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.model.kernels.KernelThreads;
import org.interplab.core.train.BatchShards;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The thread policy: a lone language model gets the ceiling, anything else one OpenMP thread, and ND4J's BLAS follows;
 * the kernels' Java threads and the batch shards are the ceiling for any lone job and one each for several.
 */
class ComputeThreadsTest {
    private static final ExperimentSpec LM = Presets.expand("tinystories-1l", 1L, null);
    private static final ExperimentSpec TOY = Presets.expand("addition", 1L, null);

    @Test
    void aLoneLanguageModelGetsEveryThreadAndAnythingElseOne() {
        ComputeThreads threads = new ComputeThreads(2);
        UUID lm = UUID.randomUUID(), toy = UUID.randomUUID();
        try {
            threads.started(lm, LM);
            assertEquals(2, threads.forRunning());
            assertEquals(2, Nd4j.factory().blas().getMaxThreads());
            assertEquals(2, KernelThreads.get());
            threads.started(toy, TOY); // two jobs share the cores: one thread each, kernels included
            assertEquals(1, threads.forRunning());
            assertEquals(1, Nd4j.factory().blas().getMaxThreads());
            assertEquals(1, KernelThreads.get());
            assertEquals(1, BatchShards.get());
            threads.finished(toy);
            assertEquals(2, threads.forRunning());
            assertEquals(2, Nd4j.factory().blas().getMaxThreads());
            assertEquals(2, KernelThreads.get());
            threads.finished(lm);
            threads.started(toy, TOY); // a toy model alone: one OpenMP thread was faster than two, but its
            assertEquals(1, threads.forRunning()); // batch runs as 2 shards (or its attention kernel on 2 threads)
            assertEquals(1, Nd4j.factory().blas().getMaxThreads());
            assertEquals(2, KernelThreads.get());
            assertEquals(2, BatchShards.get());
        } finally {
            threads.finished(lm);
            threads.finished(toy);
        }
    }
}
