package org.interplab.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;
import java.time.Duration;

@ConfigMapping(prefix = "lab")
public interface TrainerConfig {
    Trainer trainer();

    @WithName("code-version")
    String codeVersion();

    /** Prefix of every topic name ("qt." in tests, so that tests never cross a running stack). */
    java.util.Optional<String> topicPrefix();

    interface Trainer {
        /** Worker threads per replica; each trains one experiment at a time. */
        int workers();

        Duration pollInterval();

        Duration staleAfter();

        Duration heartbeatEvery();
    }
}
