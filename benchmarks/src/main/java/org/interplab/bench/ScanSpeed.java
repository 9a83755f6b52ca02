package org.interplab.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.circuits.factored.FactoredMatrix;
import org.interplab.core.circuits.factored.LmCircuits;
import org.interplab.core.model.Transformer;
import org.interplab.core.neuroscope.LayerScan;
import org.interplab.core.neuroscope.NeuronScanner;
import org.interplab.core.neuroscope.ScanSettings;
import org.interplab.core.neuroscope.Stories;
import org.interplab.core.task.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Neuroscope scan speed (issue 9 item 6): scan tokens/s of {@link NeuronScanner} against the limit = (SGEMM FLOP/s
 * measured in the same JVM, same run) ÷ (forward FLOPs per token up to the last {@code mlp.hook_post}), for a preset's
 * shape with random-init weights (speed does not depend on the weights) on random-token stories (lengths 40–240,
 * seeded; speed does not depend on the text). Also times one head's QK+OV factored summaries (LmCircuits).
 * On the CPU backend the scan runs its own packed forward ({@code neuroscope.ScanForward}: no padding, float
 * attention, hook_post transposed per neuron), so this times that pass plus the per-activation bookkeeping.
 * <p>
 * The share depends on the scan's length: a heap of m samples takes about m·(1 + ln(N/m)) of a neuron's first N
 * candidates, so the first few thousand tokens of a scan enter heaps (and copy windows) far more often than later
 * ones. The analysis service scans a corpus in shards of {@code groups-per-shard} × {@code stories-per-batch}
 * stories (≈ 28 000 of these random-story tokens at its defaults), each with fresh heaps: that is the length to quote
 * for the product. {@code -Dstories.per.batch=N} sets the batch (default: the service's).
 *
 * <pre>
 * java -Xmx3g -cp 'benchmarks/target/benchmarks.jar:benchmarks/target/lib/*' org.interplab.bench.ScanSpeed \
 *     tinystories-1l [tokens=20000] [rounds=3] [scan-only]
 * </pre>
 */
public final class ScanSpeed {
    private ScanSpeed() {
    }

    public static void main(String[] args) {
        String preset = args.length > 0 ? args[0] : "tinystories-1l";
        int tokens = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        ModelSpec m = Presets.expand(preset, 1L, null).model();
        Transformer.Config cfg = Transformer.Config.of(m);
        Transformer model = new Transformer(cfg, Transformer.init(cfg, 1));
        Stories stories = randomStories(tokens, 7);
        int perBatch = Integer.getInteger("stories.per.batch", 8); // the analysis service's default storiesPerBatch
        int groups = NeuronScanner.groups(stories.count(), perBatch);
        long scanned = stories.tokens(0, stories.count());

        double perToken = forwardFlopsPerToken(cfg, meanPieceLength(stories, cfg.nCtx() - 1));
        int n = 1024;
        INDArray ga = Nd4j.rand(DataType.FLOAT, n, n), gb = Nd4j.rand(DataType.FLOAT, n, n);
        // into an f-order result: into a c-order one mmul computes column-major and copies the result transposed,
        // 1.3–1.8× slower on the AMD machine of 2026-11-30 (docs/benchmarks.md), which understated the limit
        INDArray gc = Nd4j.create(DataType.FLOAT, new long[] {n, n}, 'f');
        List<LayerScan>[] result = new List[1];
        Stories warm = randomStories(2000, 3);
        boolean[] warmedUp = new boolean[1];
        // SGEMM and the scan interleaved round by round (Bench.interleave), each timed by wall and by CPU
        Map<String, List<Double>> ms = Bench.interleave(List.of(
                // 40 products ≈ 0.5 s per round: the process CPU clock ticks in 10 ms, which 4 (≈ 50 ms) did not
                // resolve
                new Bench.Variant("sgemm", 40, () -> ga.mmuli(gb, gc)),
                new Bench.Variant("scan", 1, () -> {
                    if (!warmedUp[0]) { // the warm-up round scans a small corpus
                        NeuronScanner.scan(model, warm, perBatch, 0, 1, ScanSettings.defaults(), null);
                        warmedUp[0] = true;
                        return;
                    }
                    result[0] = NeuronScanner.scan(model, stories, perBatch, 0, groups, ScanSettings.defaults(), null);
                })), 1, rounds);
        double sgemmFlop = 2.0 * n * n * n;
        double peak = sgemmFlop / Bench.median(ms.get("sgemm")) * 1e3;
        double peakCpu = sgemmFlop / Bench.median(ms.get("sgemm" + Bench.CPU)) * 1e3;
        double med = Bench.median(ms.get("scan")) / 1e3, medCpu = Bench.median(ms.get("scan" + Bench.CPU)) / 1e3;
        double tokPerS = scanned / med, limit = peak / perToken;
        double tokPerCpuS = scanned / medCpu, limitCpu = peakCpu / perToken;
        Runtime rt = Runtime.getRuntime();
        System.out.printf(Locale.ROOT, "%s (random init): d_model %d, %d layer(s), %d heads × %d, d_mlp %d, n_ctx %d%n",
                preset, cfg.dModel(), cfg.nLayers(), cfg.nHeads(), cfg.dHead(), cfg.dMlp(), cfg.nCtx());
        System.out.printf(Locale.ROOT, "SGEMM 1024³ (ND4J, median of %d rounds): %.1f GFLOP/s, %.1f GFLOP per CPU-s%n",
                rounds, peak / 1e9, peakCpu / 1e9);
        System.out.printf(Locale.ROOT, "forward FLOPs per token up to the last hook_post: %.3f MFLOP (mean piece %.1f "
                + "tokens)%n", perToken / 1e6, meanPieceLength(stories, cfg.nCtx() - 1));
        System.out.printf(Locale.ROOT, "scan: %d tokens in %.2f s (median of %d; all %s ms) = %.0f tokens/s; limit %.0f "
                        + "tokens/s; share %.1f %%; %d neurons kept; heap used %d MB%n", scanned, med, rounds,
                ms.get("scan"), tokPerS, limit, 100 * tokPerS / limit,
                result[0].stream().mapToInt(l -> l.result().size()).sum(), (rt.totalMemory() - rt.freeMemory()) >> 20);
        // each round's scan against the same round's SGEMM (they ran back to back): robust to a host whose speed drifts
        List<Double> paired = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            double roundLimit = sgemmFlop / ms.get("sgemm").get(r) * 1e3 / perToken;
            paired.add(100 * scanned / (ms.get("scan").get(r) / 1e3) / roundLimit);
        }
        System.out.printf(Locale.ROOT, "share by round (each scan against its round's SGEMM): median %.1f %%, all %s%n",
                Bench.median(paired), paired.stream().map(x -> String.format(Locale.ROOT, "%.1f", x)).toList());
        // the same ratio by CPU time (this JVM's, all threads): what the work costs whatever else the machine runs
        System.out.printf(Locale.ROOT, "by CPU time: scan %.0f tokens per CPU-s (median %.2f CPU-s); limit %.0f tokens "
                + "per CPU-s; share %.1f %%%n", tokPerCpuS, medCpu, limitCpu, 100 * tokPerCpuS / limitCpu);

        if (args.length > 3 && "scan-only".equals(args[3])) {
            return;
        }
        LmCircuits circuits = new LmCircuits(model.params(), Presets.expand(preset, 1L, null));
        long t0 = System.nanoTime();
        INDArray x = circuits.embedThroughLn(0);
        long t1 = System.nanoTime();
        FactoredMatrix qk = circuits.qk(x, 0, 0), ov = circuits.ov(x, 0, 0);
        long t2 = System.nanoTime();
        qk.singularValues();
        ov.singularValues();
        long t3 = System.nanoTime();
        qk.top(LmCircuits.TOP_PAIRS);
        ov.top(LmCircuits.TOP_PAIRS);
        long t4 = System.nanoTime();
        double denseFlops = 2.0 * 2 * cfg.dVocab() * (double) cfg.dVocab() * cfg.dHead();
        System.out.printf(Locale.ROOT, "factored QK/OV of one head: LN1(W_E) %.0f ms, factors %.0f ms, singular values "
                        + "%.1f ms, top-20 pairs of QK and OV %.0f ms (all %d heads of %d layer(s): ≈ %.0f s; a dense "
                        + "search would be %.0f GFLOP per head = %.1f s at the SGEMM rate)%n",
                (t1 - t0) / 1e6, (t2 - t1) / 1e6, (t3 - t2) / 1e6, (t4 - t3) / 1e6, cfg.nHeads(), cfg.nLayers(),
                cfg.nHeads() * cfg.nLayers() * (t4 - t1) / 1e9, denseFlops / 1e9, denseFlops / peak);
    }

    /** Stories of random tokens (lengths 40–240) ending in EOT, about {@code tokens} in all. */
    static Stories randomStories(int tokens, long seed) {
        Rng rng = new Rng(seed);
        List<Integer> s = new ArrayList<>();
        while (s.size() < tokens) {
            int len = 40 + rng.nextInt(201);
            for (int i = 0; i < len; i++) {
                s.add(rng.nextInt(Stories.EOT));
            }
            s.add(Stories.EOT);
        }
        return new Stories(s.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Mean length of the pieces a scan cuts stories into (at most n_ctx − 1 tokens each, plus the EOT prefix). */
    static double meanPieceLength(Stories stories, int piece) {
        long pieces = 0, tokens = 0;
        for (int st = 0; st < stories.count(); st++) {
            for (int a = stories.start(st); a < stories.end(st); a += piece) {
                pieces++;
                tokens += Math.min(piece, stories.end(st) - a) + 1;
            }
        }
        return (double) tokens / pieces;
    }

    /**
     * Forward FLOPs per token up to the last layer's hook_post: per layer QKV (3·2·d·h·dh), W_O (2·h·dh·d), the
     * scores and pattern·v over a causal context of mean length T/2 (2·2·h·dh·T/2), W_in (2·d·d_mlp), and W_out
     * (2·d_mlp·d) for every layer but the last; no unembedding.
     */
    static double forwardFlopsPerToken(Transformer.Config c, double t) {
        double d = c.dModel(), hd = (double) c.nHeads() * c.dHead();
        double perLayer = 3 * 2 * d * hd + 2 * hd * d + 2 * 2 * hd * t / 2 + 2 * d * c.dMlp();
        return c.nLayers() * perLayer + (c.nLayers() - 1) * 2.0 * c.dMlp() * d;
    }
}
