package org.interplab.analysis.neuroscope;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import org.interplab.core.model.kernels.BlasKernels;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.interplab.analysis.config.NeuroscopeConfig;
import org.interplab.contracts.Json;
import org.interplab.core.model.Transformer;
import org.interplab.core.neuroscope.Example;
import org.interplab.core.neuroscope.LayerScan;
import org.interplab.core.neuroscope.NeuronScanner;
import org.interplab.core.neuroscope.NeuronStats;
import org.interplab.core.neuroscope.NeuronWeights;
import org.interplab.core.neuroscope.Stories;
import org.interplab.service.WorkerPool;

/**
 * Worker threads that plan queued scans into shards, scan shards and merge finished scans — whichever is ready, on
 * any replica. A worker that dies leaves its claim with an old heartbeat; another worker takes it over (a shard is
 * scanned again from its start, a merge redone), so each scan completes once with the same result.
 */
@ApplicationScoped
public class ScanWorkers {
    @Inject
    ScanStore store;
    @Inject
    ScanInputs inputs;
    @Inject
    NeuroscopeConfig config;

    private WorkerPool pool;

    void onStart(@Observes StartupEvent startup) {
        Log.info(BlasKernels.describe());
        BlasKernels.warning().ifPresent(Log::warn);
        pool = WorkerPool.start("neuroscope-worker", config.workers(), config.pollInterval(), this::step);
    }

    void onStop(@Observes ShutdownEvent shutdown) {
        pool.stop();
    }

    /** Does one piece of work if any is ready: plan, merge or scan a shard. False when there was none. */
    public boolean step(String worker) {
        Optional<UUID> planning = store.claimPlanning(worker, config.staleAfter());
        if (planning.isPresent()) {
            guarded(planning.get(), () -> plan(planning.get(), worker));
            return true;
        }
        Optional<UUID> merging = store.claimMerge(worker, config.staleAfter());
        if (merging.isPresent()) {
            guarded(merging.get(), () -> merge(merging.get(), worker));
            return true;
        }
        Optional<ScanStore.Shard> shard = store.claimShard(worker, config.staleAfter());
        if (shard.isPresent()) {
            if (shard.get().attempts() > config.maxAttempts()) {
                store.fail(shard.get().scanId(), "shard " + shard.get().shard() + " failed "
                        + config.maxAttempts() + " times");
            } else {
                scanShard(shard.get(), worker);
            }
            return true;
        }
        return false;
    }

    /** A scan whose plan or merge throws fails with the reason (its inputs are wrong; retrying will not help). */
    private void guarded(UUID scanId, Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            Log.errorf(e, "neuroscope scan %s failed", scanId);
            store.fail(scanId, e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private ScanStore.Scan scan(UUID scanId) {
        return store.byId(scanId).orElseThrow(() -> new IllegalStateException("no scan " + scanId));
    }

    private void plan(UUID scanId, String worker) {
        ScanStore.Scan scan = scan(scanId);
        ScanParams p = scan.params();
        Transformer.Config cfg = inputs.model(scan.checkpointId(), scan.spec()).model().config();
        if (cfg.attnOnly() || cfg.dMlp() <= 0) {
            throw new IllegalArgumentException("the model has no MLP neurons to scan");
        }
        Stories stories = inputs.validation(scan.corpusId());
        int groups = NeuronScanner.groups(stories.storiesWithin(p.maxTokens()), p.storiesPerBatch());
        int storyCount = Math.min(stories.count(), groups * p.storiesPerBatch());
        List<int[]> shards = new ArrayList<>();
        for (int g = 0; g < groups; g += p.groupsPerShard()) {
            shards.add(new int[] {g, Math.min(groups, g + p.groupsPerShard())});
        }
        if (shards.isEmpty()) {
            throw new IllegalArgumentException("corpus " + scan.corpusId() + " has an empty validation split");
        }
        if (store.plan(scanId, worker, cfg.nLayers(), cfg.dMlp(), storyCount, stories.tokens(0, storyCount),
                shards)) {
            Log.infof("neuroscope scan %s: %d stories, %d shards", scanId, storyCount, shards.size());
        }
    }

    private void scanShard(ScanStore.Shard shard, String worker) {
        ScanStore.Scan scan = scan(shard.scanId());
        ScanParams p = scan.params();
        long started = System.nanoTime();
        List<LayerScan> layers;
        try {
            Transformer model = inputs.model(scan.checkpointId(), scan.spec()).model();
            Stories stories = inputs.validation(scan.corpusId());
            long[] lastBeat = {System.nanoTime()};
            layers = NeuronScanner.scan(model, stories, p.storiesPerBatch(), shard.groupFrom(), shard.groupTo(),
                    p.settings(), tokens -> {
                        if (System.nanoTime() - lastBeat[0] < 1_000_000_000L) {
                            return pool.running();
                        }
                        lastBeat[0] = System.nanoTime();
                        return pool.running() && store.heartbeatShard(shard.scanId(), shard.shard(), worker, tokens);
                    });
        } catch (RuntimeException e) {
            Log.errorf(e, "neuroscope shard %s/%d failed (attempt %d)", shard.scanId(), shard.shard(),
                    shard.attempts());
            return; // its heartbeat goes stale and it is claimed again, up to the attempt limit
        }
        if (layers == null) {
            Log.warnf("neuroscope shard %s/%d: claim lost or stopping", shard.scanId(), shard.shard());
            return;
        }
        List<NeuronStats> all = new ArrayList<>();
        layers.forEach(l -> all.addAll(l.result()));
        long tokens = all.isEmpty() ? 0 : all.get(0).count();
        if (store.finishShard(shard.scanId(), shard.shard(), worker, tokens, StatsCodec.encode(all))) {
            Log.infof("neuroscope shard %s/%d: %d tokens in %.1f s", shard.scanId(), shard.shard(), tokens,
                    (System.nanoTime() - started) / 1e9);
        }
    }

    private void merge(UUID scanId, String worker) {
        ScanStore.Scan scan = scan(scanId);
        ScanParams p = scan.params();
        List<NeuronStats> merged = null;
        for (int i = 0; i < scan.shardsTotal(); i++) {
            List<NeuronStats> part = StatsCodec.decode(store.partial(scanId, i));
            merged = merged == null ? part : NeuronStats.mergeAll(List.of(merged, part), p.settings());
            if (!store.heartbeatScan(scanId, worker)) {
                return;
            }
        }
        ScanInputs.LoadedModel model = inputs.model(scan.checkpointId(), scan.spec());
        int dMlp = scan.dMlp();
        List<ScanStore.NeuronRow> rows = new ArrayList<>();
        List<ScanStore.TokenRow> tokens = new ArrayList<>();
        for (int l = 0; l < scan.nLayers(); l++) {
            List<NeuronWeights.TokenTable> logits = NeuronWeights.logitEffects(model.params(), l, 20);
            for (int n = 0; n < dMlp; n++) {
                NeuronStats s = merged.get(l * dMlp + n);
                NeuronWeights.TokenTable t = logits.get(n);
                rows.add(new ScanStore.NeuronRow(l, n, (float) s.max(), s.mean(), s.density(),
                        (float) t.sharpness(), t.top().get(0).token(), StatsCodec.encode(List.of(s)), Json.write(t)));
                Map<Integer, Float> best = new HashMap<>();
                for (Example e : s.top()) {
                    best.merge(e.tokens()[e.center()], e.activation(), Math::max);
                }
                final int layer = l, neuron = n;
                best.forEach((token, act) -> tokens.add(new ScanStore.TokenRow(token, layer, neuron, act)));
            }
            store.heartbeatScan(scanId, worker);
        }
        if (store.complete(scanId, worker, rows, tokens)) {
            Log.infof("neuroscope scan %s completed: %d neurons", scanId, rows.size());
        }
    }
}
