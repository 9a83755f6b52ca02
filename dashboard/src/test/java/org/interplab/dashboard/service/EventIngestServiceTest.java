package org.interplab.dashboard.service;

import static org.interplab.contracts.events.RunStatus.CANCELLED;
import static org.interplab.contracts.events.RunStatus.COMPLETED;
import static org.interplab.contracts.events.RunStatus.FAILED;
import static org.interplab.contracts.events.RunStatus.QUEUED;
import static org.interplab.contracts.events.RunStatus.RUNNING;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.interplab.contracts.events.RunStatus;
import org.junit.jupiter.api.Test;

class EventIngestServiceTest {

    @Test
    void statusOnlyMovesForward() {
        assertTrue(EventIngestService.advances(QUEUED, RUNNING));
        assertTrue(EventIngestService.advances(QUEUED, FAILED)); // e.g. a spec the trainer cannot build
        assertTrue(EventIngestService.advances(RUNNING, COMPLETED));
        assertTrue(EventIngestService.advances(RUNNING, CANCELLED));
        assertFalse(EventIngestService.advances(RUNNING, QUEUED));
        assertFalse(EventIngestService.advances(RUNNING, RUNNING));
        for (RunStatus terminal : new RunStatus[] {COMPLETED, FAILED, CANCELLED}) {
            for (RunStatus next : RunStatus.values()) {
                assertFalse(EventIngestService.advances(terminal, next), terminal + " -> " + next);
            }
        }
    }
}
