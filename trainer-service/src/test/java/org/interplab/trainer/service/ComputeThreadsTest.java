package org.interplab.trainer.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.UUID;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** The thread policy: a lone language model gets the ceiling, anything else one thread, and ND4J's BLAS follows. */
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
            threads.started(toy, TOY); // two jobs share the cores: one thread each
            assertEquals(1, threads.forRunning());
            assertEquals(1, Nd4j.factory().blas().getMaxThreads());
            threads.finished(toy);
            assertEquals(2, threads.forRunning());
            assertEquals(2, Nd4j.factory().blas().getMaxThreads());
            threads.finished(lm);
            threads.started(toy, TOY); // a toy model alone: one thread was faster than two
            assertEquals(1, threads.forRunning());
            assertEquals(1, Nd4j.factory().blas().getMaxThreads());
        } finally {
            threads.finished(lm);
            threads.finished(toy);
        }
    }
}
