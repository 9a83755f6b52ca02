package org.interplab.core.circuits;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelKind;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.contracts.spec.TrainingSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Hand-built 1-layer attention-only transformers from the seeds, in TransformerLens names and shapes. They are the
 * ground truth the circuit tables are tested against, and a trained model's tables can be compared with them.
 *
 * <p>Residual stream layout used by both: dimensions 0..d_vocab-1 hold a one-hot token embedding, the next
 * d_vocab_out dimensions are one "output direction" per output token, read by W_U as the identity. Position
 * embeddings are zero, so positions do not interfere. Each query weight carries √d_head so that the model's
 * 1/√d_head scaling gives the seed's scores exactly.
 */
public final class ReferenceModels {
    /** The seeds' "large" attention score: attention after softmax is 0 or 1 up to e^-10000. */
    public static final double BIG = 10000;

    public record ReferenceModel(Map<String, INDArray> weights, ExperimentSpec spec) {
    }

    private ReferenceModels() {
    }

    /**
     * Seed 003's two-head solution of XOR (ACQT, ADQF, BCQF, BDQT). From Q, head 0 scores A −10000, B +10000,
     * C 0, D 0, Q −10000 with OV C→T, D→F; head 1 scores A +10000, B −10000, C 0, D 0, Q −10000 with OV C→F,
     * D→T. Shapes are the {@code xor} preset's: d_model 16, d_head 4, n_ctx 3, vocab A B C D Q → T F.
     */
    public static ReferenceModel xorConstruction() {
        int dVocab = 5, dOut = 2, dModel = 16, dHead = 4, nHeads = 2, nCtx = 3;
        int a = 0, b = 1, c = 2, d = 3, q = 4, outT = 0, outF = 1;
        double[][] keyScores = {
                {-BIG, BIG, 0, 0, -BIG},   // head 0, per key token A B C D Q
                {BIG, -BIG, 0, 0, -BIG},   // head 1
        };
        int[][] ovTarget = {
                {-1, -1, outT, outF, -1},  // head 0: C→T, D→F
                {-1, -1, outF, outT, -1},  // head 1: C→F, D→T
        };
        ExperimentSpec spec = spec("xor", TaskSpec.of("xor"), nHeads, dHead, dModel, nCtx, dVocab, dOut);
        return new ReferenceModel(build(dVocab, dOut, dModel, dHead, nCtx, q, keyScores, ovTarget, null), spec);
    }

    /** Seed 000's EVOU for signal tokens 1–4 (rows) → the 10 unordered pairs {1,1},{1,2},…,{4,4} (columns). */
    public static final double[][] OV_COHERENT_EVOU = {
            {3, 2, 2, 2, 0, 0, 0, 0, 0, 0},
            {0, 2, 0, 0, 3, 2, 2, 0, 0, 0},
            {0, 0, 2, 0, 0, 2, 0, 3, 2, 0},
            {0, 0, 0, 2, 0, 0, 2, 0, 2, 3},
    };

    /**
     * Seed 000's one-head solution of the OV-coherent task (d_head 4): from the readoff token 0, attention is
     * uniform on the signal tokens 1–4 (score +10000) and nil elsewhere (score 0); EVOU maps signal tokens to
     * {@link #OV_COHERENT_EVOU} and every other token to zero. Two distinct signals give 4 on their pair's logit and
     * at most 3 elsewhere (after the ½ attention each: 2 vs 1.5); a repeated signal gives 3 on its own pair vs 2.
     */
    public static ReferenceModel ovCoherentOneHead() {
        int dVocab = 12, dOut = 10, dHead = 4, nCtx = 5, readoff = 0;
        int dModel = dVocab + dOut;
        double[][] keyScores = new double[1][dVocab];
        int[][] unused = new int[1][dVocab];
        double[][][] ovRows = new double[1][dVocab][];
        for (int t = 1; t <= 4; t++) {
            keyScores[0][t] = BIG;
            ovRows[0][t] = OV_COHERENT_EVOU[t - 1];
        }
        TaskSpec task = new TaskSpec("ov-coherent", nCtx, null, null, null, null, null, null, null);
        ExperimentSpec spec = spec("ov-coherent-1head", task, 1, dHead, dModel, nCtx, dVocab, dOut);
        return new ReferenceModel(build(dVocab, dOut, dModel, dHead, nCtx, readoff, keyScores, unused, ovRows), spec);
    }

    /**
     * Builds the weights: W_Q[h] reads the query token into d_head dimension 0 with weight √d_head; W_K[h] writes
     * each key token's score to the same dimension. OV: W_V gives every token that writes something its own d_head
     * slot (in token order) and W_O writes that slot to the output directions: the one-hot target
     * ({@code ovTarget}, −1 = writes nothing) or the explicit logit row ({@code ovRows}, null = nothing).
     */
    private static Map<String, INDArray> build(int dVocab, int dOut, int dModel, int dHead, int nCtx, int queryToken,
                                               double[][] keyScores, int[][] ovTarget, double[][][] ovRows) {
        int nHeads = keyScores.length;
        double[][] wE = new double[dVocab][dModel];
        for (int t = 0; t < dVocab; t++) {
            wE[t][t] = 1;
        }
        double[][][] wQ = new double[nHeads][dModel][dHead];
        double[][][] wK = new double[nHeads][dModel][dHead];
        double[][][] wV = new double[nHeads][dModel][dHead];
        double[][][] wO = new double[nHeads][dHead][dModel];
        for (int h = 0; h < nHeads; h++) {
            wQ[h][queryToken][0] = Math.sqrt(dHead);
            for (int t = 0; t < dVocab; t++) {
                wK[h][t][0] = keyScores[h][t];
            }
            int slot = 0;
            for (int t = 0; t < dVocab; t++) {
                boolean writes = ovRows != null ? ovRows[h][t] != null : ovTarget[h][t] >= 0;
                if (!writes) {
                    continue;
                }
                if (slot >= dHead) {
                    throw new IllegalStateException("more writing tokens than d_head " + dHead);
                }
                wV[h][t][slot] = 1;
                for (int o = 0; o < dOut; o++) {
                    double value = ovRows != null ? ovRows[h][t][o] : (ovTarget[h][t] == o ? 1 : 0);
                    wO[h][slot][dVocab + o] = value;
                }
                slot++;
            }
        }
        double[][] wU = new double[dModel][dOut];
        for (int o = 0; o < dOut; o++) {
            wU[dVocab + o][o] = 1;
        }
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("embed.W_E", f32(wE));
        w.put("pos_embed.W_pos", Nd4j.zeros(DataType.FLOAT, nCtx, dModel));
        w.put("blocks.0.attn.W_Q", f32(wQ));
        w.put("blocks.0.attn.W_K", f32(wK));
        w.put("blocks.0.attn.W_V", f32(wV));
        w.put("blocks.0.attn.W_O", f32(wO));
        w.put("blocks.0.attn.b_Q", Nd4j.zeros(DataType.FLOAT, nHeads, dHead));
        w.put("blocks.0.attn.b_K", Nd4j.zeros(DataType.FLOAT, nHeads, dHead));
        w.put("blocks.0.attn.b_V", Nd4j.zeros(DataType.FLOAT, nHeads, dHead));
        w.put("blocks.0.attn.b_O", Nd4j.zeros(DataType.FLOAT, dModel));
        w.put("unembed.W_U", f32(wU));
        w.put("unembed.b_U", Nd4j.zeros(DataType.FLOAT, dOut));
        return w;
    }

    private static ExperimentSpec spec(String name, TaskSpec task, int nHeads, int dHead, int dModel, int nCtx,
                                       int dVocab, int dOut) {
        ModelSpec model = new ModelSpec(ModelKind.TRANSFORMER.id(), 1, nHeads, dHead, dModel, nCtx, dVocab, dOut, null, true,
                "none", true, null, null, null, null, null, null);
        TrainingSpec none = new TrainingSpec(null, null, null, null, null, null, null, null, 0, null, null, null);
        return new ExperimentSpec(name + "-reference", task, model, none, 0L, List.of("reference", "hand-built"));
    }

    private static INDArray f32(double[][] m) {
        return Nd4j.createFromArray(m).castTo(DataType.FLOAT);
    }

    private static INDArray f32(double[][][] m) {
        return Nd4j.createFromArray(m).castTo(DataType.FLOAT);
    }
}
