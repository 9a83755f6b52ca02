package org.interplab.core.neuroscope;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What a scan knows about one neuron: its exact top-k examples, samples per activation band and uniform random
 * samples (each the k smallest hash keys, so they merge exactly), its activation histogram, the number of tokens,
 * the number where it fires (> 0) and the sum of activations in fixed point (2^-24 units, so sums of shards add up
 * exactly in any order). {@link #merge} of two shards equals one scan over both ranges.
 */
public record NeuronStats(List<Example> top, TreeMap<Integer, List<Example>> bands, List<Example> random,
                          long[] histogram, long count, long fires, long sumFixed) {
    static final double FIXED = 0x1.0p24;

    public double max() {
        return top.isEmpty() ? Double.NaN : top.get(0).activation();
    }

    public double mean() {
        return count == 0 ? Double.NaN : sumFixed / FIXED / count;
    }

    /** Fraction of scanned tokens where the neuron's activation is > 0. */
    public double density() {
        return count == 0 ? Double.NaN : (double) fires / count;
    }

    public static NeuronStats merge(NeuronStats a, NeuronStats b, ScanSettings s) {
        long[] hist = a.histogram.clone();
        for (int i = 0; i < hist.length; i++) {
            hist[i] += b.histogram[i];
        }
        TreeMap<Integer, List<Example>> bands = new TreeMap<>(a.bands);
        b.bands.forEach((band, list) -> bands.merge(band, list, (x, y) -> best(x, y, s.bandSamples())));
        return new NeuronStats(best(a.top, b.top, s.topK()), bands, best(a.random, b.random, s.randomSamples()), hist,
                a.count + b.count, a.fires + b.fires, a.sumFixed + b.sumFixed);
    }

    private static List<Example> best(List<Example> x, List<Example> y, int k) {
        List<Example> all = new ArrayList<>(x);
        all.addAll(y);
        all.sort(Example::order);
        return new ArrayList<>(all.subList(0, Math.min(k, all.size())));
    }

    /**
     * The band samples a reader wants: for each fraction of the max activation (e.g. 0.1, 0.3, …, 0.9), the band that
     * holds it, lowest fraction first, each band once.
     */
    public List<Band> bandsAtFractions(double[] fractions) {
        List<Band> out = new ArrayList<>();
        double max = max();
        if (!(max > 0)) {
            return out;
        }
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (double f : fractions) {
            int band = ScanSettings.band((float) (f * max));
            Integer key = bands.floorKey(band);
            if (key != null && seen.add(key)) {
                out.add(new Band(f, ScanSettings.bandLow(key), ScanSettings.bandLow(key + 1), bands.get(key)));
            }
        }
        return out;
    }

    public record Band(double fraction, double low, double high, List<Example> samples) {
    }

    // ---- compact binary form (shard partial results and stored neurons) ----

    /** Bytes per window token: its id as a short and its activation as a float. */
    private static final int WINDOW_BYTES = Short.BYTES + Float.BYTES;

    public void write(DataOutputStream out) throws IOException {
        writeExamples(out, top);
        out.writeInt(bands.size());
        for (var e : bands.entrySet()) {
            out.writeInt(e.getKey());
            writeExamples(out, e.getValue());
        }
        writeExamples(out, random);
        out.writeInt(histogram.length);
        for (long h : histogram) {
            out.writeLong(h);
        }
        out.writeLong(count);
        out.writeLong(fires);
        out.writeLong(sumFixed);
    }

    public static NeuronStats read(DataInputStream in) throws IOException {
        List<Example> top = readExamples(in);
        int nBands = in.readInt();
        TreeMap<Integer, List<Example>> bands = new TreeMap<>();
        for (int i = 0; i < nBands; i++) {
            bands.put(in.readInt(), readExamples(in));
        }
        List<Example> random = readExamples(in);
        long[] hist = new long[in.readInt()];
        for (int i = 0; i < hist.length; i++) {
            hist[i] = in.readLong();
        }
        return new NeuronStats(top, bands, random, hist, in.readLong(), in.readLong(), in.readLong());
    }

    /**
     * Per example its fields, then its window: the tokens as unsigned shorts (GPT-2 ids &lt; 65536), then the
     * activations as floats, big-endian as DataOutputStream writes them. The window goes through a ByteBuffer in one
     * write: DataOutputStream (JDK 17) writes a short or float byte by byte, one stream call each, and those calls
     * were most of the time of encoding a shard's partial.
     */
    private static void writeExamples(DataOutputStream out, List<Example> list) throws IOException {
        out.writeInt(list.size());
        ByteBuffer window = ByteBuffer.allocate(0);
        for (Example e : list) {
            out.writeLong(e.position());
            out.writeFloat(e.activation());
            out.writeDouble(e.rank());
            out.writeInt(e.center());
            int len = e.tokens().length;
            out.writeInt(len);
            if (window.capacity() < len * WINDOW_BYTES) {
                window = ByteBuffer.allocate(len * WINDOW_BYTES);
            }
            window.clear();
            for (int t : e.tokens()) {
                window.putShort((short) t);
            }
            for (float a : e.acts()) {
                window.putFloat(a);
            }
            out.write(window.array(), 0, window.position());
        }
    }

    private static List<Example> readExamples(DataInputStream in) throws IOException {
        int n = in.readInt();
        List<Example> list = new ArrayList<>(n);
        ByteBuffer window = ByteBuffer.allocate(0);
        for (int i = 0; i < n; i++) {
            long pos = in.readLong();
            float act = in.readFloat();
            double rank = in.readDouble();
            int center = in.readInt();
            int len = in.readInt();
            if (len < 0) {
                throw new IOException("a window of " + len + " tokens");
            }
            if (window.capacity() < len * WINDOW_BYTES) {
                window = ByteBuffer.allocate(len * WINDOW_BYTES);
            }
            in.readFully(window.array(), 0, len * WINDOW_BYTES);
            window.clear();
            int[] tokens = new int[len];
            for (int j = 0; j < len; j++) {
                tokens[j] = window.getShort() & 0xffff;
            }
            float[] acts = new float[len];
            for (int j = 0; j < len; j++) {
                acts[j] = window.getFloat();
            }
            list.add(new Example(pos, act, rank, tokens, acts, center));
        }
        return list;
    }

    /** Merges per-neuron lists of shards (same length, same settings) in order. */
    public static List<NeuronStats> mergeAll(List<List<NeuronStats>> shards, ScanSettings s) {
        List<NeuronStats> merged = new ArrayList<>(shards.get(0));
        for (int i = 1; i < shards.size(); i++) {
            List<NeuronStats> next = shards.get(i);
            for (int n = 0; n < merged.size(); n++) {
                merged.set(n, merge(merged.get(n), next.get(n), s));
            }
        }
        return merged;
    }

    static <T> List<T> map(List<Example> list, Function<Example, T> f) {
        return list.stream().map(f).toList();
    }
}
