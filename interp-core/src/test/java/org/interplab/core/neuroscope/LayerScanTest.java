package org.interplab.core.neuroscope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;

/**
 * The scan's per-neuron statistics against a brute-force pass over a small synthetic corpus (every activation kept,
 * sorted), and shard merges against one scan over the whole range — compared byte for byte.
 */
class LayerScanTest {
    static final int D_MLP = 7;
    static final ScanSettings S = new ScanSettings(5, 3, 2, 2, 4, -0.5f, 2f, 10, 42L);

    /** A synthetic sequence: tokens, and activations [len, d_mlp] quantised to a few values so ties happen. */
    record Seq(int[] tokens, float[] acts, long firstPosition) {
    }

    static List<Seq> corpus(long seed, int sequences) {
        Rng rng = new Rng(seed);
        List<Seq> out = new ArrayList<>();
        long pos = 0;
        for (int i = 0; i < sequences; i++) {
            int len = 2 + rng.nextInt(15);
            int[] tokens = new int[len];
            float[] acts = new float[len * D_MLP];
            tokens[0] = Stories.EOT;
            for (int t = 1; t < len; t++) {
                tokens[t] = rng.nextInt(100);
            }
            for (int j = 0; j < acts.length; j++) {
                acts[j] = (rng.nextInt(40) - 8) / 8f; // −1 .. 3.875, steps of 1/8: many ties, under- and overflow
            }
            out.add(new Seq(tokens, acts, pos - 1));
            pos += len; // the separator before the next sequence
        }
        return out;
    }

    static List<NeuronStats> scan(List<Seq> seqs) {
        LayerScan scan = new LayerScan(D_MLP, S);
        for (Seq q : seqs) {
            scan.accept(q.tokens, q.tokens.length, 1, q.firstPosition, q.acts, 0);
        }
        return scan.result();
    }

    record Flat(long pos, float act, Seq seq, int t) {
    }

    @Test
    void topKHistogramBandsAndSamplesEqualABruteForceScan() {
        List<Seq> seqs = corpus(7, 60);
        List<NeuronStats> stats = scan(seqs);
        for (int n = 0; n < D_MLP; n++) {
            List<Flat> all = new ArrayList<>();
            for (Seq q : seqs) {
                for (int t = 1; t < q.tokens.length; t++) {
                    all.add(new Flat(q.firstPosition + t, q.acts[t * D_MLP + n], q, t));
                }
            }
            NeuronStats ns = stats.get(n);
            // top-k: highest activation, ties to the earlier position
            List<Flat> byAct = new ArrayList<>(all);
            byAct.sort(Comparator.comparingDouble((Flat f) -> -f.act).thenComparingLong(f -> f.pos));
            assertEquals(S.topK(), ns.top().size());
            for (int i = 0; i < S.topK(); i++) {
                assertExample(byAct.get(i), ns.top().get(i), n);
            }
            // random samples: the smallest keys over all tokens
            final int neuron = n;
            List<Flat> byKey = new ArrayList<>(all);
            byKey.sort(Comparator.comparingLong((Flat f) -> S.key(neuron, f.pos)));
            for (int i = 0; i < S.randomSamples(); i++) {
                assertExample(byKey.get(i), ns.random().get(i), n);
            }
            // bands: per half-octave band of positive activations, the smallest keys
            for (int band = 0; band < ScanSettings.BANDS; band++) {
                final int b = band;
                List<Flat> inBand = byKey.stream().filter(f -> f.act > 0 && ScanSettings.band(f.act) == b).toList();
                List<Example> got = ns.bands().getOrDefault(band, List.of());
                assertEquals(Math.min(S.bandSamples(), inBand.size()), got.size(), "band " + band);
                for (int i = 0; i < got.size(); i++) {
                    assertExample(inBand.get(i), got.get(i), n);
                    double low = ScanSettings.bandLow(band), high = ScanSettings.bandLow(band + 1);
                    assertTrue(got.get(i).activation() >= low && got.get(i).activation() < high, "band edges");
                }
            }
            // histogram, counts, mean, density
            long[] hist = new long[S.histBins() + 2];
            double sum = 0;
            long fires = 0;
            for (Flat f : all) {
                int bin = f.act < S.histLo() ? 0 : f.act >= S.histHi() ? S.histBins() + 1
                        : 1 + (int) Math.floor((f.act - S.histLo()) / ((S.histHi() - S.histLo()) / S.histBins()));
                hist[bin]++;
                sum += f.act;
                fires += f.act > 0 ? 1 : 0;
            }
            assertArrayEquals(hist, ns.histogram(), "histogram of neuron " + n);
            assertEquals(all.size(), ns.count());
            assertEquals(fires, ns.fires());
            assertEquals(sum / all.size(), ns.mean(), 1e-9);
            assertEquals((double) fires / all.size(), ns.density(), 0);
        }
    }

    /** The example's position, activation and window (tokens and this neuron's activations) from the sequence. */
    static void assertExample(Flat want, Example got, int n) {
        assertEquals(want.pos, got.position());
        assertEquals(want.act, got.activation());
        int lo = Math.max(1, want.t - S.before()), hi = Math.min(want.seq.tokens.length, want.t + S.after() + 1);
        assertArrayEquals(Arrays.copyOfRange(want.seq.tokens, lo, hi), got.tokens());
        assertEquals(want.t - lo, got.center());
        for (int i = lo; i < hi; i++) {
            assertEquals(want.seq.acts[i * D_MLP + n], got.acts()[i - lo]);
        }
    }

    @Test
    void shardsMergeToExactlyTheWholeScan() throws IOException {
        List<Seq> seqs = corpus(11, 80);
        List<NeuronStats> whole = scan(seqs);
        List<NeuronStats> merged = NeuronStats.mergeAll(List.of(scan(seqs.subList(0, 23)), scan(seqs.subList(23, 50)),
                scan(seqs.subList(50, 80))), S);
        assertArrayEquals(bytes(whole), bytes(merged));
        // and merging in another order gives the same bytes
        List<NeuronStats> reversed = NeuronStats.mergeAll(List.of(scan(seqs.subList(50, 80)),
                scan(seqs.subList(0, 23)), scan(seqs.subList(23, 50))), S);
        assertArrayEquals(bytes(whole), bytes(reversed));
    }

    /**
     * The random samples are uniform over positions: over 300 seeds, how often each of 20 equal position buckets is
     * drawn (7 neurons × 4 samples per seed, 8 400 draws) passes a chi-square test (19 degrees of freedom, 0.1 %
     * critical value 43.8); and two neurons' samples are not the same positions (their overlap stays near the
     * 4 · 4 / N expected of independent draws).
     */
    @Test
    void randomSamplesAreUniformOverPositionsAndDifferAcrossNeurons() {
        List<Seq> seqs = corpus(5, 25);
        long positions = 0;
        for (Seq q : seqs) {
            positions = Math.max(positions, q.firstPosition + q.tokens.length);
        }
        int buckets = 20;
        long[] drawn = new long[buckets];
        long draws = 0, overlap = 0, scanned = 0;
        for (long seed = 1; seed <= 300; seed++) {
            ScanSettings settings = new ScanSettings(S.topK(), S.before(), S.after(), S.bandSamples(), 4, S.histLo(),
                    S.histHi(), S.histBins(), seed);
            LayerScan scan = new LayerScan(D_MLP, settings);
            for (Seq q : seqs) {
                scan.accept(q.tokens, q.tokens.length, 1, q.firstPosition, q.acts, 0);
            }
            List<NeuronStats> stats = scan.result();
            scanned = stats.get(0).count();
            for (NeuronStats ns : stats) {
                for (Example e : ns.random()) {
                    drawn[(int) (e.position() * buckets / positions)]++;
                    draws++;
                }
            }
            java.util.Set<Long> first = new java.util.HashSet<>();
            stats.get(0).random().forEach(e -> first.add(e.position()));
            overlap += stats.get(1).random().stream().filter(e -> first.contains(e.position())).count();
        }
        // expected draws per bucket: the scanned positions falling in it (separators are not scanned)
        long[] inBucket = new long[buckets];
        for (Seq q : seqs) {
            for (int t = 1; t < q.tokens.length; t++) {
                inBucket[(int) ((q.firstPosition + t) * buckets / positions)]++;
            }
        }
        double chi2 = 0;
        for (int b = 0; b < buckets; b++) {
            double expected = (double) draws * inBucket[b] / scanned;
            chi2 += (drawn[b] - expected) * (drawn[b] - expected) / expected;
        }
        assertTrue(chi2 < 43.8, "chi-square " + chi2 + " over " + buckets + " buckets");
        double expectedOverlap = 300 * 4.0 * 4.0 / scanned;
        assertTrue(overlap < 3 * expectedOverlap + 10, "overlap " + overlap + ", expected ≈ " + expectedOverlap);
    }

    @Test
    void theBinaryFormRoundTrips() throws IOException {
        List<NeuronStats> stats = scan(corpus(3, 20));
        byte[] b = bytes(stats);
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b));
        List<NeuronStats> back = new ArrayList<>();
        for (int n = 0; n < D_MLP; n++) {
            back.add(NeuronStats.read(in));
        }
        assertArrayEquals(b, bytes(back));
    }

    static byte[] bytes(List<NeuronStats> stats) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bos);
        for (NeuronStats s : stats) {
            s.write(out);
        }
        return bos.toByteArray();
    }
}
