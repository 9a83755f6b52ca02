package org.interplab.analysis.neuroscope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.interplab.core.neuroscope.LayerScan;
import org.interplab.core.neuroscope.NeuronStats;
import org.interplab.core.neuroscope.ScanSettings;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;

/**
 * The codec against NeuronStats' own binary form, on a partial far larger than the codec's buffers (so that they
 * fill and flush many times): what it stores is exactly that form gzipped, and it reads back the same bytes.
 */
class StatsCodecTest {
    static List<NeuronStats> partial() {
        int dMlp = 40;
        Rng rng = new Rng(3);
        LayerScan scan = new LayerScan(dMlp, ScanSettings.defaults());
        long pos = 0;
        for (int q = 0; q < 30; q++) {
            int len = 20 + rng.nextInt(100);
            int[] tokens = new int[len];
            float[] acts = new float[len * dMlp];
            for (int t = 0; t < len; t++) {
                tokens[t] = rng.nextInt(50257);
            }
            for (int j = 0; j < acts.length; j++) {
                acts[j] = (float) (rng.nextGaussian() * 2);
            }
            scan.accept(tokens, len, 1, pos, acts, 0);
            pos += len;
        }
        return scan.result();
    }

    static byte[] plain(List<NeuronStats> stats) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(stats.size());
        for (NeuronStats s : stats) {
            s.write(out);
        }
        out.flush();
        return bytes.toByteArray();
    }

    @Test
    void storesTheBinaryFormGzippedAndReadsItBack() throws IOException {
        List<NeuronStats> stats = partial();
        byte[] form = plain(stats);
        assertTrue(form.length > 10 * (1 << 16), "the partial spans many buffers: " + form.length + " bytes");
        byte[] stored = StatsCodec.encode(stats);
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(stored))) {
            assertArrayEquals(form, in.readAllBytes(), "gunzip of what is stored = NeuronStats' binary form");
        }
        List<NeuronStats> back = StatsCodec.decode(stored);
        assertEquals(stats.size(), back.size());
        assertArrayEquals(form, plain(back), "decoded, it writes the same bytes");
    }
}
