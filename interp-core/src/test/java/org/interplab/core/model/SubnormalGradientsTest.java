package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.interplab.core.model.kernels.QkvAttentionKernel;
import org.interplab.core.model.kernels.Subnormals;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A confident model (a trained one: softmax of the wrong tokens, and attention to the wrong keys, far below 1e-38)
 * must not hand subnormal floats to the backward pass's GEMMs, where each costs a microcode assist: a trained addition
 * model's step was 4.8× slower than a fresh one's. The two producers of the arrays those GEMMs read, the
 * cross-entropy gradient and the attention kernel's dQkv, write none in FLOAT, and still agree with the DOUBLE
 * computation, which does have entries in float's subnormal range for these inputs (so the inputs do make them).
 */
@ExtendWith(DoublePrecision.class)
class SubnormalGradientsTest {
    @Test
    void flushNeverReturnsASubnormalAndKeepsEveryValueThatMatters() {
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < 200_000; i++) {
            // magnitudes from 2^-149 (the smallest subnormal) to 2^10, both signs
            float x = (float) ((rnd.nextBoolean() ? 1 : -1) * Math.pow(2, -149 + 159 * rnd.nextDouble()));
            float f = Subnormals.flush(x);
            assertTrue(f == 0 || Math.abs(f) >= Float.MIN_NORMAL, x + " became the subnormal " + f);
            assertTrue(Math.abs(f - x) <= Math.max(0x1p-124f, Math.abs(x) * 0x1p-23f), x + " moved to " + f);
            if (Math.abs(x) >= 0x1p-75f) {
                assertEquals(x, f, "exact from 2^-75 up");
            }
        }
        assertEquals(0f, Subnormals.flush(1e-39f));
        assertEquals(0f, Math.abs(Subnormals.flush(-Float.MIN_VALUE)));
        assertEquals(-3.5e-20f, Subnormals.flush(-3.5e-20f));
        assertTrue(Float.isNaN(Subnormals.flush(Float.NaN)));
        assertEquals(Float.NEGATIVE_INFINITY, Subnormals.flush(Float.NEGATIVE_INFINITY));
        assertEquals(0.0, Subnormals.flush(1e-310));
        assertEquals(1e-250, Subnormals.flush(1e-250));
    }

    @Test
    void crossEntropyGradientOfConfidentLogits() {
        int rows = 64, vocab = 10;
        // the target's logit 80–90 nats above the rest: softmax weights of the others around 1e-35–1e-39
        INDArray logits = Nd4j.rand(DataType.DOUBLE, rows, vocab).muli(3);
        int[][] targets = new int[rows][1];
        for (int r = 0; r < rows; r++) {
            targets[r][0] = r % vocab;
            logits.putScalar(r, r % vocab, 80 + 10.0 * r / rows);
        }
        INDArray exact = CrossEntropy.of(logits, targets, true).dLogits();
        INDArray floats = CrossEntropy.of(logits.castTo(DataType.FLOAT), targets, true).dLogits();
        // float cannot hold 1 − p_target here (it is 0 there), so the entries agree to an absolute 1e-9 (≈ 1e-7 of a
        // gradient entry 1/rows)
        assertSubnormalFreeAndClose(exact, floats, "dLogits", 1e-9);
    }

    @Test
    void attentionKernelGradientOfSharpPatterns() {
        int batch = 6, ctx = 19, heads = 8, dHead = 2, hd = heads * dHead;
        // q·k hundreds apart: every query attends to one key, the others get weights near e^−87
        INDArray qkv = Nd4j.rand(DataType.DOUBLE, batch * ctx, 3 * hd).subi(0.5).muli(30);
        INDArray dz = Nd4j.rand(DataType.DOUBLE, batch * ctx, hd).subi(0.5).muli(1e-6);
        INDArray exact = QkvAttentionKernel.backward(qkv, dz, batch, ctx, heads, dHead, 1, 0);
        INDArray floats = QkvAttentionKernel.backward(qkv.castTo(DataType.FLOAT), dz.castTo(DataType.FLOAT), batch,
                ctx, heads, dHead, 1, 0);
        assertSubnormalFreeAndClose(exact, floats, "dQkv", 1e-4 * exact.amaxNumber().doubleValue());
    }

    private static void assertSubnormalFreeAndClose(INDArray exact, INDArray floats, String what, double tolerance) {
        assertEquals(DataType.FLOAT, floats.dataType());
        long small = 0;
        for (double x : exact.dup().data().asDouble()) {
            small += x != 0 && Math.abs(x) < Float.MIN_NORMAL ? 1 : 0;
        }
        assertTrue(small > 0, what + ": no exact entry in float's subnormal range; the test would prove nothing");
        long subnormal = 0;
        for (float x : floats.dup().data().asFloat()) {
            subnormal += x != 0 && Math.abs(x) < Float.MIN_NORMAL ? 1 : 0;
        }
        assertEquals(0, subnormal, what + " has subnormal entries in FLOAT (" + small + " in float range exactly)");
        double diff = exact.sub(floats.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
        assertTrue(diff < tolerance, what + " differs by " + diff + " (tolerance " + tolerance + ")");
    }
}
