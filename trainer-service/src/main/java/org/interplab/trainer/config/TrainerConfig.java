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

    Corpora corpora();

    interface Corpora {
        /**
         * The directories a corpus named by a server-side path may come from: a researcher must not be able to make
         * the trainer read any file of its machine.
         */
        java.util.List<String> pathRoots();
    }

    interface Trainer {
        /**
         * Worker threads per replica; each trains one experiment at a time. Absent: one per available core, so a slow
         * job never holds the whole queue on a machine with more than one core.
         */
        java.util.Optional<Integer> workers();

        /** A job whose worker died this many times (a stale claim each time) is FAILED instead of claimed again. */
        @io.smallrye.config.WithDefault("3")
        int maxAttempts();

        /** Wall-clock budget of one attempt; a run over it ends FAILED with the reason (its checkpoints kept). */
        @io.smallrye.config.WithDefault("24h")
        Duration maxRunTime();

        Duration pollInterval();

        Duration staleAfter();

        Duration heartbeatEvery();
    }
}
