package org.interplab.analysis.neuroscope;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.interplab.core.neuroscope.NeuronStats;

/** Gzip of NeuronStats in interp-core's binary form: a shard's partial (all layers) or one stored neuron. */
final class StatsCodec {
    private StatsCodec() {
    }

    static byte[] encode(List<NeuronStats> stats) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
            out.writeInt(stats.size());
            for (NeuronStats s : stats) {
                s.write(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<NeuronStats> decode(byte[] gzip) {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(new ByteArrayInputStream(gzip)))) {
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
