package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.function.Supplier;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.core.task.CisTask;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TmsTask;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** TMS and CiS hand-written backward passes against central finite differences, in double precision. */
@ExtendWith(DoublePrecision.class)
class ToyGradientCheckTest {
    static ModelSpec toyModel(String kind, int instances, int hidden, String act, Double dropout, Double l1) {
        return new ModelSpec(kind, null, null, null, null, null, null, null, null, null, null, null, act, null,
                instances, hidden, dropout, l1);
    }

    private static TaskSpec tmsTask(int features, double decay) {
        return new TaskSpec("tms", null, null, null, null, features, null, decay, null,
                java.util.List.of(1.0, 0.5, 0.2));
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu", "gelu", "gelu_new"})
    void tmsWithoutDropoutOrL1(String act) {
        checkTms(toyModel("tms", 3, 2, act, null, null));
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu", "gelu"})
    void tmsWithL1(String act) {
        checkTms(toyModel("tms", 3, 2, act, null, 0.3));
    }

    @ParameterizedTest
    @ValueSource(strings = {"relu", "gelu"})
    void tmsWithAFixedDropoutMaskAndL1(String act) {
        checkTms(toyModel("tms", 3, 4, act, 0.3, 0.1));
    }

    private static void checkTms(ModelSpec m) {
        TaskSpec t = tmsTask(5, 0.9);
        Tms.Config cfg = Tms.Config.of(m, t);
        Map<String, INDArray> params = Tms.init(cfg, 3);
        // a nonzero bias, so that ReLU outputs are active and every term is exercised
        params.get("b_final").addi(Nd4j.rand(DataType.DOUBLE, cfg.nInstances(), cfg.nFeatures()).muli(0.4));
        Rng rng = new Rng(11);
        INDArray x = new TmsTask(t, cfg.nInstances()).sample(6, rng, DataType.DOUBLE);
        Tms model = new Tms(cfg, params);
        INDArray mask = model.dropoutMask(6, rng);
        assertEquals(m.dropout() != null, mask != null);
        Map<String, INDArray> grads = model.lossAndGradients(x, mask).grads();
        // the instance losses add up to the loss
        Tms.Output out = model.lossAndGradients(x, mask);
        assertEquals(out.loss(), java.util.Arrays.stream(out.instanceLoss()).sum(), 1e-12);
        check(params, grads, () -> model.lossAndGradients(x, mask).loss());
    }

    @ParameterizedTest
    @ValueSource(strings = {"abs", "square", "max-abs", "and", "or"})
    void cisRelu(String function) {
        checkCis(function, "relu");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abs", "max-abs", "or"})
    void cisGelu(String function) {
        checkCis(function, "gelu");
    }

    private static void checkCis(String function, String act) {
        TaskSpec t = new TaskSpec("cis", null, null, null, null, 3, null, null, function);
        Cis.Config cfg = Cis.Config.of(toyModel("cis", 2, 4, act, null, null), t);
        Map<String, INDArray> params = Cis.init(cfg, 5);
        params.replaceAll((name, p) -> p.addi(Nd4j.rand(DataType.DOUBLE, p.shape()).subi(0.3).muli(0.5)));
        CisTask.Batch batch = new CisTask(t, cfg.nInstances()).sample(7, new Rng(2), DataType.DOUBLE);
        Cis model = new Cis(cfg, params);
        Map<String, INDArray> grads = model.lossAndGradients(batch.x(), batch.target()).grads();
        check(params, grads, () -> model.loss(batch.x(), batch.target()).loss());
    }

    /** Every entry of every parameter (the toys are small), relative error of the whole gradient per tensor. */
    private static void check(Map<String, INDArray> params, Map<String, INDArray> grads, Supplier<Double> loss) {
        double eps = 1e-6;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray p = e.getValue();
            INDArray flat = p.reshape(p.length());
            INDArray g = grads.get(e.getKey()).reshape(p.length());
            assertEquals(java.util.Arrays.toString(p.shape()), java.util.Arrays.toString(grads.get(e.getKey()).shape()));
            double diff = 0, norm = 0;
            for (long i = 0; i < p.length(); i++) {
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + eps);
                double up = loss.get();
                flat.putScalar(i, orig - eps);
                double down = loss.get();
                flat.putScalar(i, orig);
                double numeric = (up - down) / (2 * eps);
                double analytic = g.getDouble(i);
                diff += (numeric - analytic) * (numeric - analytic);
                norm += numeric * numeric + analytic * analytic;
            }
            double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
            assertTrue(norm > 0, e.getKey() + ": gradient is all zero");
            assertTrue(rel < 1e-5, e.getKey() + " relative error " + rel);
        }
    }
}
