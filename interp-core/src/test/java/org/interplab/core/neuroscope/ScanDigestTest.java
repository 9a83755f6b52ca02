package org.interplab.core.neuroscope;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.interplab.core.model.Activation;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A guard for speed work on the scan: the SHA-256 of the serialised results ({@link NeuronStats#write}) of fixed scans
 * must stay the digests recorded before the work started, byte for byte. One scan runs the whole pipeline
 * ({@link NeuronScanner}: {@link ScanForward} and {@link LayerScan}) over a random corpus on a small random 2-layer
 * gelu_new model in several batches, with the default settings and with small heaps (so that every heap fills and
 * its floor moves often); another feeds {@link LayerScan} synthetic activations that hit the histogram's bin edges,
 * ±0, subnormals, infinities and NaN.
 * <p>
 * The model scans' bytes also depend on OpenBLAS's kernels (their sums run in another order): their digests are
 * recorded per kernel family forced by {@code OPENBLAS_CORETYPE} — SkylakeX, which {@code ./lab} picks on an AVX-512
 * CPU, and Haswell, which it picks on an AVX2 one (and which some machines preset in their environment) — and checked
 * under either; with the kernels left to OpenBLAS's own choice they are not checked. The synthetic scan has no BLAS
 * in it and runs everywhere.
 */
class ScanDigestTest {
    /**
     * The model scans' digests per OpenBLAS kernel family: {default settings, small heaps}. Recorded on an AMD EPYC
     * (Zen 5) for the twelfth session's forward, whose gelu_new takes its tanh from {@link
     * org.interplab.core.model.kernels.FastTanh} (absolute error &lt; 4e-7; before, 1 − 2/(1 + e^2u) from FastExp):
     * that changed activations in their last bits, and so these bytes. The bookkeeping's bytes did not change
     * ({@link #SYNTHETIC}, recorded at 35baa27). The digests before it, from 35baa27's code: SkylakeX 75ebc864…,
     * b74eb967…; Haswell 9c8b9ffe…, a6d8ea30….
     */
    static final Map<String, List<String>> MODEL_DIGESTS = Map.of(
            "SkylakeX", List.of("9dc5f99b9edc931cfe4b130b53e7e89afa403e25349e32e25057ebe0fbec9ac0",
                    "a905d42b456bbeb7434e25dcf29f418b1df39205182e409ae177033797321210"),
            "Haswell", List.of("e2d77bc56b2f9c4945b2402863dd6e00389b5ee24cb0dd4fce32a838ddb107a6",
                    "6c79dd64879bb6c336e19edba6e9cfb3d768c91153e230a3e0aef41f0fa38e07"));
    static final String SYNTHETIC = "f119fa99b23be33d6f7e40570fb49fd182190f16abbb05db16b5d6af35a25409";

    static final ScanSettings SMALL = new ScanSettings(3, 4, 2, 2, 3, -0.25f, 1.5f, 37, 9L);

    static Transformer model() {
        Transformer.Config cfg = new Transformer.Config(2, 4, 8, 32, 64, 50257, 50257, 48, false, true, true,
                Activation.GELU_NEW, null);
        Map<String, INDArray> p = Transformer.init(cfg, 5);
        p.forEach((name, w) -> {
            if (name.contains(".W_")) {
                w.muli(3); // activations spread over many bins and bands
            }
        });
        return new Transformer(cfg, p);
    }

    static Stories stories(long seed, int count) {
        Rng rng = new Rng(seed);
        List<Integer> s = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int len = 5 + rng.nextInt(70); // some longer than n_ctx − 1: cut into pieces
            for (int t = 0; t < len; t++) {
                s.add(rng.nextInt(1000));
            }
            s.add(Stories.EOT);
        }
        return new Stories(s.stream().mapToInt(Integer::intValue).toArray());
    }

    static String digest(List<List<NeuronStats>> layers) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            for (List<NeuronStats> layer : layers) {
                out.writeInt(layer.size());
                for (NeuronStats n : layer) {
                    n.write(out);
                }
            }
            out.flush();
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String modelDigest(ScanSettings settings) {
        Stories st = stories(21, 40);
        List<LayerScan> scans = NeuronScanner.scan(model(), st, 6, 0, NeuronScanner.groups(st.count(), 6), settings,
                null);
        return digest(scans.stream().map(LayerScan::result).toList());
    }

    /** Activations of every kind of float the bookkeeping distinguishes, in a fixed random order. */
    static String syntheticDigest() {
        ScanSettings s = SMALL;
        int dMlp = 5;
        Rng rng = new Rng(77);
        float[] special = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE,
                -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, s.histLo(), s.histHi(),
                Math.nextDown(s.histLo()), Math.nextUp(s.histLo()), Math.nextDown(s.histHi()), Math.nextUp(s.histHi())};
        LayerScan scan = new LayerScan(dMlp, s);
        long pos = 0;
        for (int q = 0; q < 60; q++) {
            int len = 2 + rng.nextInt(20);
            int[] tokens = new int[len];
            float[] acts = new float[len * dMlp];
            for (int t = 0; t < len; t++) {
                tokens[t] = rng.nextInt(500);
            }
            for (int j = 0; j < acts.length; j++) {
                int kind = rng.nextInt(4);
                if (kind == 0) {
                    acts[j] = special[rng.nextInt(special.length)];
                } else if (kind == 1) { // a bin edge, or a float next to one
                    float edge = (float) s.binLow(1 + rng.nextInt(s.histBins()));
                    acts[j] = switch (rng.nextInt(3)) {
                        case 0 -> edge;
                        case 1 -> Math.nextUp(edge);
                        default -> Math.nextDown(edge);
                    };
                } else {
                    acts[j] = (float) (rng.nextGaussian() * 2);
                }
            }
            scan.accept(tokens, len, 1, pos, acts, 0);
            pos += len;
        }
        return digest(List.of(scan.result()));
    }

    @Test
    void modelScanDigestsAreUnchanged() {
        List<String> recorded = MODEL_DIGESTS.get(String.valueOf(System.getenv("OPENBLAS_CORETYPE")));
        assumeTrue(recorded != null, "the model digests are recorded for OPENBLAS_CORETYPE " + MODEL_DIGESTS.keySet()
                + ", not for " + System.getenv("OPENBLAS_CORETYPE"));
        String defaults = modelDigest(ScanSettings.defaults()), small = modelDigest(SMALL);
        assertAll(() -> assertEquals(recorded.get(0), defaults, "default settings"),
                () -> assertEquals(recorded.get(1), small, "small heaps"));
    }

    @Test
    void syntheticScanDigestIsUnchanged() {
        assertEquals(SYNTHETIC, syntheticDigest());
    }
}
