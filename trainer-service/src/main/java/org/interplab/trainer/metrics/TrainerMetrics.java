package org.interplab.trainer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.trainer.config.TrainerConfig;
import org.interplab.trainer.service.JobStore;

/**
 * The trainer's Prometheus meters (at /q/metrics): {@code lab_trainer_workers} and {@code lab_trainer_workers_busy},
 * {@code lab_trainer_queue_depth} (queued jobs in the table), {@code lab_trainer_step_seconds} (a timer per task
 * kind) and {@code lab_trainer_tokens_total} (tokens trained on, per task kind: its rate is tokens/s). Kafka client
 * metrics, consumer lag among them, and HTTP latency come from the Micrometer extension's binders.
 */
@Startup // the meters exist from the first scrape, before any job
@ApplicationScoped
public class TrainerMetrics {
    private final AtomicInteger busy = new AtomicInteger();
    private final MeterRegistry registry;
    private final int workers;

    private final JobStore jobs;

    @Inject
    public TrainerMetrics(MeterRegistry registry, TrainerConfig config, JobStore jobs) {
        this.registry = registry;
        this.jobs = jobs;
        this.workers = config.trainer().workers().orElse(Runtime.getRuntime().availableProcessors());
        Gauge.builder("lab.trainer.workers", () -> workers).description("training threads of this replica")
                .register(registry);
        Gauge.builder("lab.trainer.workers.busy", busy, AtomicInteger::get)
                .description("training threads training a run now").register(registry);
        Gauge.builder("lab.trainer.queue.depth", jobs, JobStore::queuedCount)
                .description("training jobs waiting for a worker").register(registry);
    }

    public int workers() {
        return workers;
    }

    public long queuedCount() {
        return jobs.queuedCount();
    }

    public int busy() {
        return busy.get();
    }

    /** A worker took a run; {@link #finished()} when it lets go of it. */
    public void started() {
        busy.incrementAndGet();
    }

    public void finished() {
        busy.decrementAndGet();
    }

    /** One optimizer step of a run of this spec took {@code time}; a transformer step trains batch × n_ctx tokens. */
    public void step(ExperimentSpec spec, Duration time) {
        String task = spec.task().kind();
        Timer.builder("lab.trainer.step").description("wall time of one optimizer step").tag("task", task)
                .register(registry).record(time);
        if (spec.model().nCtx() != null && spec.training().batchSize() != null) {
            Counter.builder("lab.trainer.tokens").description("tokens trained on (rate: tokens/s)")
                    .tag("task", task).register(registry)
                    .increment((double) spec.training().batchSize() * spec.model().nCtx());
        }
    }
}
