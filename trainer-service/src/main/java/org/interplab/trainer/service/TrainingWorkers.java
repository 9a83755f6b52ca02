package org.interplab.trainer.service;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.interplab.core.model.kernels.BlasKernels;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.train.LmProblem;
import org.interplab.core.train.ModelState;
import org.interplab.core.train.Trainer;
import org.interplab.core.train.TrainingListener;
import org.interplab.core.train.TrainingOutcome;
import org.interplab.trainer.config.TrainerConfig;
import org.interplab.trainer.entity.TrainingJob;
import org.interplab.trainer.metrics.TrainerMetrics;
import org.interplab.service.WorkerPool;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Worker threads that claim jobs from the table and train them with interp-core. A worker that dies leaves its job
 * RUNNING with an old heartbeat; any worker (this replica or another) then claims it and resumes from the last
 * checkpoint, so the experiment finishes once.
 */
@ApplicationScoped
public class TrainingWorkers {
    @Inject
    JobStore jobs;
    @Inject
    CheckpointStore checkpoints;
    @Inject
    TrainingEvents events;
    @Inject
    TrainerConfig config;
    @Inject
    TrainerMetrics metrics;
    @Inject
    ComputeThreads threads;

    private WorkerPool pool;
    private String backend;

    void onStart(@Observes StartupEvent startup) {
        backend = CheckpointMetadata.currentBackend();
        Nd4j.create(1); // warm ND4J (natives load) at start-up, not on the first job
        Log.infof("trainer backend: %s; OMP_NUM_THREADS=%s; javacpp maxbytes=%s", backend,
                System.getenv("OMP_NUM_THREADS"), System.getProperty("org.bytedeco.javacpp.maxbytes"));
        Log.info(BlasKernels.describe());
        BlasKernels.warning().ifPresent(Log::warn);
        Log.infof("compute threads: up to %d (a lone language model gets them all, other jobs one each)",
                threads.ceiling());
        int workers = config.trainer().workers().orElse(Runtime.getRuntime().availableProcessors());
        Log.infof("trainer workers: %d (lab.trainer.workers; default one per core)", workers);
        pool = WorkerPool.start("trainer-worker", workers, config.trainer().pollInterval(), this::step);
    }

    void onStop(@Observes ShutdownEvent shutdown) {
        pool.stop();
    }

    /** Fails the jobs abandoned too often, then claims and trains one job if any is queued. */
    private boolean step(String workerId) {
        for (JobStore.Abandoned gone : jobs.failAbandoned(config.trainer().staleAfter(),
                config.trainer().maxAttempts())) {
            events.progress(progress(gone.experimentId(), RunStatus.FAILED, gone.step(), gone.totalSteps(),
                    Map.of(), gone.reason()));
        }
        Optional<TrainingJob> job = jobs.claimNext(workerId, config.trainer().staleAfter());
        if (job.isEmpty()) {
            return false;
        }
        metrics.started();
        try {
            run(job.get(), workerId);
        } finally {
            metrics.finished();
        }
        return true;
    }

    private void run(TrainingJob job, String workerId) {
        UUID id = job.experimentId;
        ExperimentSpec spec = Json.read(job.spec, ExperimentSpec.class);
        ModelState resume = checkpoints.latestState(id).orElse(null);
        long total = spec.training().steps();
        Log.infof("training %s (%s) attempt %d%s", id, spec.name(), job.attempts,
                resume == null ? "" : " resuming at step " + resume.step());
        events.progress(progress(id, RunStatus.RUNNING, resume == null ? 0 : resume.step(), total, Map.of(),
                resume == null ? "started" : "resumed at step " + resume.step()));
        RunListener listener = new RunListener(id, workerId, spec, total);
        threads.started(id, spec);
        try {
            TrainingOutcome outcome = Trainer.train(spec, resume, listener);
            if (listener.lostClaim) {
                Log.warnf("job %s was taken over by another worker; this worker stops", id);
                return;
            }
            RunStatus status = listener.overBudget ? RunStatus.FAILED
                    : outcome.cancelled() ? RunStatus.CANCELLED : RunStatus.COMPLETED;
            String message = listener.overBudget
                    ? "exceeded the wall-clock budget of " + config.trainer().maxRunTime()
                    + " (lab.trainer.max-run-time) at step " + outcome.step() + "; its checkpoints are kept"
                    : status == RunStatus.CANCELLED ? "cancelled" : "completed";
            if (jobs.finish(id, workerId, status, outcome.step(), outcome.finalMetrics(),
                    listener.overBudget ? message : null)) {
                events.progress(progress(id, status, outcome.step(), total, outcome.finalMetrics(), message));
            }
            Log.infof("experiment %s %s at step %d: %s", id, status, outcome.step(), outcome.finalMetrics());
        } catch (RuntimeException | Error e) {
            if (!pool.running()) {
                // the service is stopping (SIGTERM, a redeploy): the interrupted step is no fault of the run; the job
                // stays RUNNING and the next trainer takes it over when its heartbeat is stale, resuming from the
                // latest checkpoint (before, a graceful stop ended the run FAILED for good)
                Log.warnf("experiment %s interrupted by the trainer's shutdown at step %d; left for resumption", id,
                        listener.lastStep);
                return;
            }
            Log.errorf(e, "experiment %s failed", id);
            String message = e instanceof Trainer.DivergedException ? e.getMessage()
                    : e.getClass().getSimpleName() + ": " + e.getMessage();
            if (e instanceof Trainer.DivergedException d) {
                listener.lastStep = d.step();
            }
            if (jobs.finish(id, workerId, RunStatus.FAILED, listener.lastStep, null, message)) {
                events.progress(progress(id, RunStatus.FAILED, listener.lastStep, total, Map.of(), message));
            }
        } finally {
            threads.finished(id);
        }
    }

    private TrainingProgress progress(UUID id, RunStatus status, long step, long total, Map<String, Double> metrics,
                                      String message) {
        return new TrainingProgress(id, status, step, total, metrics, message, backend, Instant.now(),
                config.codeVersion());
    }

    /** Bridges interp-core's training loop to the job table and Kafka. */
    private final class RunListener implements TrainingListener {
        final UUID id;
        final String workerId;
        final ExperimentSpec spec;
        final long total;
        volatile boolean lostClaim;
        boolean overBudget;
        long lastStep;
        private final long deadline = System.currentTimeMillis() + config.trainer().maxRunTime().toMillis();
        private long nextHeartbeat;
        private boolean cancel;
        private long lastTick;

        RunListener(UUID id, String workerId, ExperimentSpec spec, long total) {
            this.id = id;
            this.workerId = workerId;
            this.spec = spec;
            this.total = total;
        }

        @Override
        public void onEval(long step, long totalSteps, Map<String, Double> metrics) {
            lastStep = step;
            beat(step, metrics);
            events.progress(progress(id, RunStatus.RUNNING, step, totalSteps, metrics, null));
        }

        @Override
        public void onCheckpoint(ModelState state, Map<String, Double> metrics, boolean isFinal) {
            if (lostClaim) {
                return;
            }
            Map<String, String> samples = "lm".equals(spec.task().kind())
                    ? LmProblem.samples(spec, state.weights()) : null;
            UUID checkpointId = checkpoints.saveTrained(id, spec, state, metrics, isFinal, config.codeVersion(),
                    samples);
            if (samples != null) {
                // no metrics: the eval event of the step carries them; this one only adds the samples
                events.progress(new TrainingProgress(id, RunStatus.RUNNING, state.step(), total, Map.of(), null,
                        backend, Instant.now(), config.codeVersion(), samples));
            }
            events.checkpoint(new CheckpointPublished(checkpointId, id, state.step(), isFinal, metrics, spec,
                    Instant.now()));
        }

        @Override
        public boolean cancelRequested() {
            // called once before every step: the time since the last call is one step (with its eval, if any)
            long tick = System.nanoTime();
            if (lastTick != 0) {
                metrics.step(spec, Duration.ofNanos(tick - lastTick));
            }
            lastTick = tick;
            long now = System.currentTimeMillis();
            if (now >= nextHeartbeat) {
                beat(lastStep, null);
            }
            if (now > deadline) {
                overBudget = true;
            }
            return cancel || lostClaim || overBudget;
        }

        private void beat(long step, Map<String, Double> metrics) {
            nextHeartbeat = System.currentTimeMillis() + config.trainer().heartbeatEvery().toMillis();
            Optional<Boolean> cancelled = jobs.heartbeat(id, workerId, step, metrics);
            if (cancelled.isEmpty()) {
                lostClaim = true;
            } else {
                cancel = cancelled.get();
            }
        }
    }
}
