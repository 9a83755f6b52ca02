package org.interplab.dashboard.service;

import java.util.UUID;

/**
 * Something that happened to an experiment and was committed to the dashboard's tables: {@code type} is
 * {@code progress} (a TrainingProgress), {@code checkpoint} (a CheckpointPublished) or {@code analysis} (an
 * AnalysisCompleted); {@code payload} is the contract event itself.
 */
public record LiveEvent(UUID experimentId, String type, Object payload) {
    public static final String PROGRESS = "progress";
    public static final String CHECKPOINT = "checkpoint";
    public static final String ANALYSIS = "analysis";
}
