package org.interplab.dashboard.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** The dashboard's own settings: where the trainer's and the analysis service's internal APIs live. */
@ConfigMapping(prefix = "lab")
public interface LabConfig {

    Upstream trainer();

    Upstream analysis();

    /** Prefix of every Kafka topic name ("qt." in tests so that they never cross the running stack). */
    @WithDefault("")
    Optional<String> topicPrefix();

    /** How long a submission waits for Kafka to acknowledge its ExperimentRequested event. */
    @WithDefault("10s")
    Duration submitTimeout();

    /** The internal APIs' service credential (env LAB_SERVICE_TOKEN); ServiceToken sends it. */
    Optional<String> serviceToken();

    /**
     * Accounts and limits, read where they are used (security.AccountService, AccessFilter, service.Limits) and
     * listed here so that the mapping knows every {@code lab.*} key: {@code lab.admin.*}, {@code lab.auth.*},
     * {@code lab.limits.*}.
     */
    java.util.Map<String, String> admin();

    java.util.Map<String, String> auth();

    java.util.Map<String, String> limits();

    interface Upstream {
        /** Base URL of the service's internal REST API (env LAB_TRAINER_URL / LAB_ANALYSIS_URL). */
        String url();
    }
}
