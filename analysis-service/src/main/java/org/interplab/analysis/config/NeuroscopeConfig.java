package org.interplab.analysis.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Neuroscope scans: workers per replica, job timing, and what a scan covers by default. */
@ConfigMapping(prefix = "lab.neuroscope")
public interface NeuroscopeConfig {
    /** Scan worker threads per replica (0 = this replica claims no shards). */
    @WithDefault("1")
    int workers();

    @WithDefault("1s")
    Duration pollInterval();

    /** A claimed shard (or merge) whose heartbeat is older than this is taken over by another worker. */
    @WithDefault("60s")
    Duration staleAfter();

    /** A shard that failed this many times fails its scan. */
    @WithDefault("3")
    int maxAttempts();

    /** Corpus scanned after training when the event names none. */
    @WithDefault("builtin-stories")
    String defaultCorpus();

    /** Validation tokens scanned at most (whole stories, from the start of the split). */
    @WithDefault("200000")
    long maxTokens();

    /** Stories per forward batch (a batch group; shards are whole groups). */
    @WithDefault("8")
    int storiesPerBatch();

    /** Batch groups per shard. */
    @WithDefault("25")
    int groupsPerShard();

    /** Queue a scan of the default corpus when the final checkpoint of a GPT-2-vocabulary LM with MLPs lands. */
    @WithDefault("true")
    boolean autoScan();
}
