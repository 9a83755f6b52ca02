package org.interplab.contracts.events;

/**
 * Kafka topic names, defined once. Every event is keyed by experiment id (uploads: by checkpoint id) so that one
 * experiment's events stay ordered within a partition. Weights never travel on Kafka; events name a checkpoint id.
 */
public final class Topics {
    /** dashboard → trainer: {@link ExperimentRequested}. */
    public static final String EXPERIMENTS_REQUESTED = "experiments.requested";
    /** trainer → dashboard: {@link TrainingProgress}. */
    public static final String TRAINING_PROGRESS = "training.progress";
    /** trainer → analysis (and dashboard): {@link CheckpointPublished}. */
    public static final String CHECKPOINTS_PUBLISHED = "checkpoints.published";
    /** analysis → dashboard: {@link AnalysisCompleted}. */
    public static final String ANALYSIS_COMPLETED = "analysis.completed";
    /** Suffix of each consumer's dead-letter topic (poison events land there with the reason in a header). */
    public static final String DEAD_LETTER_SUFFIX = ".dlq";
    /**
     * The dashboard's own dead-letter topic for checkpoints.published. That topic is read by two consumer groups
     * (analysis, dashboard); with one shared {@code .dlq} the admin page listed the dashboard's poison as the analysis
     * service's and offered to replay it there. Every other topic has one consumer group and its {@code <topic>.dlq}.
     */
    public static final String CHECKPOINTS_PUBLISHED_DASHBOARD_DLQ =
            CHECKPOINTS_PUBLISHED + ".dashboard" + DEAD_LETTER_SUFFIX;

    /** Partitions per topic: the most replicas of one consumer group that can share the work. */
    public static final int PARTITIONS = 4;

    private Topics() {
    }
}
