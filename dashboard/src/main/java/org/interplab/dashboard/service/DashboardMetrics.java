package org.interplab.dashboard.service;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.interplab.contracts.events.RunStatus;

/**
 * The dashboard's Prometheus meters (at /q/metrics): {@code lab_experiments{status=...}}, the runs in each status as
 * the dashboard knows them (QUEUED is the lab's queue depth). HTTP latency and the Kafka clients' metrics (consumer
 * lag) come from the Micrometer extension's binders.
 */
@ApplicationScoped
public class DashboardMetrics {
    @Inject
    MeterRegistry registry;

    @Inject
    ExperimentService experiments;

    void register(@Observes StartupEvent startup) {
        for (RunStatus status : RunStatus.values()) {
            Gauge.builder("lab.experiments", experiments, e -> e.countByStatus(status)).tag("status", status.name())
                    .description("experiments in this status (archived ones not counted)").register(registry);
        }
    }
}
