package org.interplab.bench;

import java.util.function.DoubleSupplier;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs unchanged ND4J code inside an ND4J workspace: every array the step allocates comes from one arena that is
 * learnt in the first iteration and reused afterwards (no malloc, no first touch of fresh pages, no waiting for GC
 * to free off-heap memory). Nothing allocated inside may be used after the call returns.
 */
final class Workspace {
    private static final WorkspaceConfiguration CONFIG = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.OVERALLOCATE).overallocationLimit(0.2)
            .policyLearning(LearningPolicy.FIRST_LOOP).policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE).build();

    private final String id;

    Workspace(String id) {
        this.id = id;
    }

    double run(DoubleSupplier body) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, id)) {
            return body.getAsDouble();
        }
    }
}
