package org.interplab.dashboard.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.interplab.contracts.events.Topics;
import org.junit.jupiter.api.Test;

/** The configured topics are the contract's names, "qt."-prefixed in tests, each consumer with its dead letters. */
@QuarkusTest
class TopicConfigTest {

    @Test
    void channelsUseTheContractsTopicNames() {
        Config config = ConfigProvider.getConfig();
        assertEquals("qt." + Topics.EXPERIMENTS_REQUESTED, config.getValue(
                "mp.messaging.outgoing." + Channels.EXPERIMENTS_REQUESTED + ".topic", String.class));
        String[][] incoming = {
                {Channels.TRAINING_PROGRESS, Topics.TRAINING_PROGRESS},
                {Channels.CHECKPOINTS_PUBLISHED, Topics.CHECKPOINTS_PUBLISHED},
                {Channels.ANALYSIS_COMPLETED, Topics.ANALYSIS_COMPLETED}};
        for (String[] channel : incoming) {
            String prefix = "mp.messaging.incoming." + channel[0] + ".";
            assertEquals("qt." + channel[1], config.getValue(prefix + "topic", String.class));
            assertEquals("dead-letter-queue", config.getValue(prefix + "failure-strategy", String.class));
            assertEquals("qt." + (channel[1].equals(Topics.CHECKPOINTS_PUBLISHED)
                            ? Topics.CHECKPOINTS_PUBLISHED_DASHBOARD_DLQ : channel[1] + Topics.DEAD_LETTER_SUFFIX),
                    config.getValue(prefix + "dead-letter-queue.topic", String.class));
            assertEquals("dashboard", config.getValue(prefix + "group.id", String.class));
            assertEquals("earliest", config.getValue(prefix + "auto.offset.reset", String.class));
        }
    }
}
