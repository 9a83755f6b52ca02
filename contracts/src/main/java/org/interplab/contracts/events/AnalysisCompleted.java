package org.interplab.contracts.events;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The analysis service stored the tables of a checkpoint; {@code failedTables} had errors (stored with them). */
public record AnalysisCompleted(UUID checkpointId, UUID experimentId, List<String> tables, List<String> failedTables,
                                Instant at) {
}
