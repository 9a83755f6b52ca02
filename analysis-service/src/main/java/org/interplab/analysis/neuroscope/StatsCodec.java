package org.interplab.analysis.neuroscope;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.interplab.core.neuroscope.NeuronStats;

/**
 * Gzip of NeuronStats in interp-core's binary form: a shard's partial (all layers) or one stored neuron. The data
 * streams sit on buffers: NeuronStats writes and reads int by int, and straight on the gzip streams every int was four
 * one-byte deflate (inflate) calls; NeuronStats now also writes and reads each example's window in one call.
 * Measured per shard of 28 000 tokens (docs/benchmarks.md, "Twelfth session"): at `tinystories-1l` encode 0.50–0.55
 * → 0.15–0.19 s and decode 0.54–0.58 → 0.04–0.11 s, against a 0.3 s scan; at the 21M shape encode 12.2 → 2.8–3.6 s
 * and decode 13.4–13.6 → 1.1–1.4 s, against a 5.3–6.0 s scan.
 */
final class StatsCodec {
    private static final int BUFFER = 1 << 16;

    private StatsCodec() {
    }

    static byte[] encode(List<NeuronStats> stats) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(
                new BufferedOutputStream(new FastGzip(bytes), BUFFER))) {
            out.writeInt(stats.size());
            for (NeuronStats s : stats) {
                s.write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Gzip at deflate's fastest level: a 21M shard's partial (4 096 neurons, ≈ 123 MB before compression) took 3.5–4.7
     * s at the default level and 2.8–3.6 s at this one, for 90.4 MB instead of 88.6 (activations are floats, which
     * deflate barely shrinks at any level).
     */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(ByteArrayOutputStream out) throws IOException {
            super(out, BUFFER);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }

    static List<NeuronStats> decode(byte[] gzip) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(
                new GZIPInputStream(new ByteArrayInputStream(gzip)), BUFFER))) {
            int n = in.readInt();
            List<NeuronStats> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(NeuronStats.read(in));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
