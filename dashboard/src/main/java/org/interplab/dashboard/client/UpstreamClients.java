package org.interplab.dashboard.client;

import io.quarkus.rest.client.reactive.QuarkusRestClientBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.interplab.dashboard.config.LabConfig;

/**
 * REST clients of the other services, built from {@link LabConfig} so that {@code lab.trainer.url} and
 * {@code lab.analysis.url} (env LAB_TRAINER_URL, LAB_ANALYSIS_URL) are the only settings. The default error mapper
 * is off: {@link Upstream} turns the other services' answers into the dashboard's own.
 */
@ApplicationScoped
public class UpstreamClients {
    private static final String DISABLE_DEFAULT_MAPPER = "microprofile.rest.client.disable.default.mapper";

    @Produces
    @ApplicationScoped
    TrainerClient trainer(LabConfig config) {
        return builder(config.trainer().url()).build(TrainerClient.class);
    }

    @Produces
    @ApplicationScoped
    AnalysisClient analysis(LabConfig config) {
        return builder(config.analysis().url()).build(AnalysisClient.class);
    }

    @Produces
    @ApplicationScoped
    AnalysisAdminClient analysisAdmin(LabConfig config) {
        return builder(config.analysis().url()).build(AnalysisAdminClient.class);
    }

    @Produces
    @ApplicationScoped
    NeuroscopeClient neuroscope(LabConfig config) {
        return builder(config.analysis().url()).build(NeuroscopeClient.class);
    }

    @Produces
    @ApplicationScoped
    PromptLabClient promptLab(LabConfig config) {
        return builder(config.analysis().url()).build(PromptLabClient.class);
    }

    private static QuarkusRestClientBuilder builder(String url) {
        return QuarkusRestClientBuilder.newBuilder()
                .baseUri(URI.create(url))
                .property(DISABLE_DEFAULT_MAPPER, true)
                .register(new ServiceToken())
                .connectTimeout(3, TimeUnit.SECONDS)
                .readTimeout(120, TimeUnit.SECONDS);
    }
}
