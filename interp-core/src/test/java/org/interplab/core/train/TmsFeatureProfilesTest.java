package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.contracts.spec.SpecValidator;
import org.interplab.core.circuits.CircuitAnalysis;
import org.interplab.core.circuits.CircuitTable;
import org.interplab.core.circuits.TableResult;
import org.interplab.core.model.Tms;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TmsTask;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-feature importance and feature probability (the TMS paper's non-uniform setups): the loss weights each
 * feature's squared error by its importance exactly as a plain loop does, the data generator draws each feature
 * with its own probability, a uniform per-feature profile draws exactly what the per-instance form draws, and a
 * trained dense model keeps the most important features whatever their position.
 */
class TmsFeatureProfilesTest {
    /** Deliberately not sorted by position: features 1 and 3 matter most. */
    static final double[] IMPORTANCE = {0.2, 1.0, 0.1, 0.8, 0.05};

    /** tms-intro (5 features, 2 hidden) with these task and model overrides. */
    static ExperimentSpec spec(String task, int instances, int steps) {
        String overrides = "{\"task\":" + task + ",\"model\":{\"nInstances\":" + instances + "},\"training\":{"
                + "\"lr\":0.01,\"weightDecay\":0.0,\"batchSize\":256,\"steps\":" + steps + ",\"evalEvery\":"
                + Math.max(1, steps / 4) + ",\"checkpoints\":\"every\",\"checkpointEvery\":" + Math.max(1, steps / 2)
                + "}}";
        try {
            ExperimentSpec spec = Presets.expand("tms-intro", 1L, Json.MAPPER.readTree(overrides));
            assertEquals(List.of(), SpecValidator.validate(spec));
            return spec;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static String importanceList() {
        return Arrays.toString(IMPORTANCE);
    }

    @Test
    void theLossWeightsEachFeatureByItsImportanceAsAPlainLoopDoes() {
        ExperimentSpec s = spec("{\"importanceDecay\":null,\"importance\":" + importanceList()
                + ",\"featureProbabilities\":null,\"featureProbability\":0.5}", 3, 1);
        Tms.Config cfg = Tms.Config.of(s.model(), s.task());
        assertArrayEquals(IMPORTANCE, cfg.importance(), 0);
        int instances = 3, features = 5, hidden = 2, batch = 7;
        Rng rng = new Rng(42);
        double[][][] w = new double[instances][features][hidden];
        double[][] b = new double[instances][features];
        double[][][] x = new double[instances][batch][features];
        for (int i = 0; i < instances; i++) {
            for (int j = 0; j < features; j++) {
                for (int k = 0; k < hidden; k++) {
                    w[i][j][k] = rng.nextGaussian();
                }
                b[i][j] = rng.nextGaussian() * 0.3;
                for (int e = 0; e < batch; e++) {
                    x[i][e][j] = rng.nextDouble() < 0.6 ? rng.nextDouble() : 0;
                }
            }
        }
        Map<String, INDArray> params = new java.util.LinkedHashMap<>();
        params.put("W", Nd4j.createFromArray(w));
        params.put("b_final", Nd4j.createFromArray(b));
        Tms.Output out = new Tms(cfg, params).loss(Nd4j.createFromArray(x));

        double total = 0;
        for (int i = 0; i < instances; i++) {
            double instanceLoss = 0;
            for (int e = 0; e < batch; e++) {
                for (int j = 0; j < features; j++) {
                    double pre = b[i][j];
                    for (int k = 0; k < hidden; k++) {
                        double h = 0;
                        for (int f = 0; f < features; f++) {
                            h += x[i][e][f] * w[i][f][k];
                        }
                        pre += h * w[i][j][k];
                    }
                    double err = Math.max(0, pre) - x[i][e][j];
                    instanceLoss += IMPORTANCE[j] * err * err;
                }
            }
            instanceLoss /= batch;
            assertEquals(instanceLoss, out.instanceLoss()[i], 1e-12, "instance " + i);
            total += instanceLoss;
        }
        assertEquals(total, out.loss(), 1e-12);
    }

    @Test
    void eachFeatureIsDrawnWithItsOwnProbability() {
        double[] p = {1.0, 0.5, 0.1, 0.02, 0.005};
        ExperimentSpec s = spec("{\"featureProbabilities\":null,\"featureProbabilityPerFeature\":"
                + Arrays.toString(p) + "}", 2, 1);
        int batch = 40_000;
        double[][][] x = toCube(new TmsTask(s.task(), 2).sample(batch, new Rng(7), DataType.DOUBLE));
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < p.length; j++) {
                int present = 0;
                for (int e = 0; e < batch; e++) {
                    present += x[i][e][j] != 0 ? 1 : 0;
                }
                double sigma = Math.sqrt(batch * p[j] * (1 - p[j]));
                assertTrue(Math.abs(present - batch * p[j]) <= 5 * sigma + 1e-9,
                        "instance " + i + " feature " + j + ": " + present + " of " + batch + " present, p " + p[j]);
            }
        }
    }

    static double[][][] toCube(INDArray a) {
        double[][][] c = new double[(int) a.size(0)][][];
        for (int i = 0; i < c.length; i++) {
            c[i] = a.slice(i).toDoubleMatrix();
        }
        return c;
    }

    @Test
    void aUniformProfileDrawsExactlyWhatOneProbabilityDraws() {
        ExperimentSpec one = spec("{\"featureProbabilities\":null,\"featureProbability\":0.3}", 3, 1);
        ExperimentSpec profile = spec("{\"featureProbabilities\":null,\"featureProbabilityPerFeature\":"
                + "{\"decay\":1,\"start\":0.3}}", 3, 1);
        INDArray a = new TmsTask(one.task(), 3).sample(500, new Rng(11), DataType.FLOAT);
        INDArray b = new TmsTask(profile.task(), 3).sample(500, new Rng(11), DataType.FLOAT);
        assertEquals(a, b);
        // and the per-instance form (tms-intro's own list) still gives instance i its own p_i
        ExperimentSpec intro = spec("{}", 10, 1);
        double[][] p = new TmsTask(intro.task(), 10).featureProbabilities();
        for (int i = 0; i < 10; i++) {
            double pi = intro.task().featureProbabilities().get(i);
            assertArrayEquals(new double[] {pi, pi, pi, pi, pi}, p[i], 0);
        }
    }

    @Test
    void aDenseModelKeepsTheMostImportantFeaturesWhereverTheyAre() {
        int instances = 4, steps = Integer.getInteger("tms.test.steps", 1000);
        ExperimentSpec s = spec("{\"importanceDecay\":null,\"importance\":" + importanceList()
                + ",\"featureProbabilities\":null,\"featureProbability\":1.0}", instances, steps);
        RecordingListener listener = new RecordingListener();
        Trainer.train(s, null, listener);
        Map<String, INDArray> weights = listener.checkpoints.get(listener.checkpoints.size() - 1).weights();
        double[][] norms = weights.get("W").castTo(DataType.DOUBLE).norm2(2).toDoubleMatrix();
        Integer[] byImportance = {1, 3, 0, 2, 4};
        List<TableResult> tables = CircuitAnalysis.analyse(weights, s);
        for (int i = 0; i < instances; i++) {
            System.out.printf("instance %d ‖W_j‖ %s%n", i, Arrays.toString(norms[i]));
            // m = 2 dense features: the two most important (1 and 3) get a dimension each, the rest nearly nothing
            assertTrue(norms[i][1] > 0.8 && norms[i][3] > 0.8, "instance " + i + ": " + Arrays.toString(norms[i]));
            for (int j : new int[] {0, 2, 4}) {
                assertTrue(norms[i][j] < 0.3, "instance " + i + " feature " + j + ": " + Arrays.toString(norms[i]));
            }
            // monotone-ish: in order of importance the norms never rise by more than 0.1
            for (int r = 1; r < byImportance.length; r++) {
                assertTrue(norms[i][byImportance[r]] <= norms[i][byImportance[r - 1]] + 0.1,
                        "instance " + i + " rank " + r + ": " + Arrays.toString(norms[i]));
            }
            int instance = i;
            CircuitTable t = tables.stream().filter(r -> r.name().equals("feature_importance.I" + instance))
                    .findFirst().orElseThrow().table();
            assertEquals(List.of("importance I_j", "feature probability p_j", "‖W_j‖", "D_j"), t.colLabels());
            for (int j = 0; j < 5; j++) {
                assertEquals(IMPORTANCE[j], t.values()[j][0], 0);
                assertEquals(1.0, t.values()[j][1], 0);
                assertEquals(norms[i][j], t.values()[j][2], 1e-5);
            }
            // the two kept features are orthogonal: a dimension each
            assertEquals(1.0, t.values()[1][3], 0.05);
            assertEquals(1.0, t.values()[3][3], 0.05);
        }
    }
}
