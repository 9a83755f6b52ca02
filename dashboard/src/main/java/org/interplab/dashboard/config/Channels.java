package org.interplab.dashboard.config;

/**
 * Reactive-messaging channel names. Each channel's Kafka topic is configured in application.properties as
 * {@code ${lab.topic-prefix}} + the matching {@link org.interplab.contracts.events.Topics} constant.
 */
public final class Channels {
    /** outgoing: {@link org.interplab.contracts.events.ExperimentRequested}. */
    public static final String EXPERIMENTS_REQUESTED = "experiments-requested";
    /** incoming: {@link org.interplab.contracts.events.TrainingProgress}. */
    public static final String TRAINING_PROGRESS = "training-progress";
    /** incoming: {@link org.interplab.contracts.events.CheckpointPublished}. */
    public static final String CHECKPOINTS_PUBLISHED = "checkpoints-published";
    /** incoming: {@link org.interplab.contracts.events.AnalysisCompleted}. */
    public static final String ANALYSIS_COMPLETED = "analysis-completed";

    private Channels() {
    }
}
