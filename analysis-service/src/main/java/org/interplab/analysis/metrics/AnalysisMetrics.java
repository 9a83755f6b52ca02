package org.interplab.analysis.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.interplab.analysis.jobs.AnalysisJobs;

/**
 * The analysis service's Prometheus meters (at /q/metrics): {@code lab_analysis_seconds} (time to analyse one
 * checkpoint, tagged by outcome: done, retry or failed), {@code lab_analysis_workers_busy} and
 * {@code lab_analysis_queue_depth} (jobs waiting). Kafka consumer lag and HTTP latency come from the Micrometer
 * extension's binders.
 */
@Startup // the meters exist from the first scrape, before any job
@ApplicationScoped
public class AnalysisMetrics {
    private final AtomicInteger busy = new AtomicInteger();
    private final MeterRegistry registry;

    @Inject
    public AnalysisMetrics(MeterRegistry registry, AnalysisJobs jobs) {
        this.registry = registry;
        Gauge.builder("lab.analysis.workers.busy", busy, AtomicInteger::get)
                .description("analysis threads analysing a checkpoint now").register(registry);
        Gauge.builder("lab.analysis.queue.depth", jobs, AnalysisJobs::pendingCount)
                .description("analysis jobs waiting for a worker").register(registry);
    }

    /** A worker took a job; {@link #finished} when it is done with it (outcome: done, retry or failed). */
    public long started() {
        busy.incrementAndGet();
        return System.nanoTime();
    }

    public void finished(long startedNanos, String outcome) {
        busy.decrementAndGet();
        Timer.builder("lab.analysis").description("time to analyse one checkpoint").tag("outcome", outcome)
                .register(registry).record(Duration.ofNanos(System.nanoTime() - startedNanos));
    }
}
