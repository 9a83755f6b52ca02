package org.interplab.core.model;

import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Mean cross-entropy over the positions with a target, from target indices (no one-hot target): loss =
 * −mean_r log softmax(logits_r)[y_r]; d loss / d logits_r = (softmax(logits_r) − e_{y_r}) / count, 0 at
 * {@link TokenBatch#NO_LOSS} positions. Only one vocabulary-sized temporary besides the logits.
 */
final class CrossEntropy {
    record Result(double loss, INDArray dLogits) {
    }

    private CrossEntropy() {
    }

    /** {@code logits} [batch·pos, d_vocab_out]; dLogits only when {@code withGradient}. */
    static Result of(INDArray logits, int[][] targets, boolean withGradient) {
        int n = (int) logits.size(0), vOut = (int) logits.size(1);
        int ctx = n / targets.length;
        int[] target = new int[n];
        int count = 0;
        for (int i = 0; i < targets.length; i++) {
            for (int p = 0; p < ctx; p++) {
                int y = targets[i][p];
                if (y != TokenBatch.NO_LOSS && (y < 0 || y >= vOut)) {
                    throw new IllegalArgumentException("target " + y + " outside 0.." + (vOut - 1));
                }
                target[i * ctx + p] = y;
                count += y == TokenBatch.NO_LOSS ? 0 : 1;
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("batch has no loss positions");
        }
        if (!Shape.hasDefaultStridesForShape(logits) || logits.offset() != 0) {
            logits = logits.dup('c');
        }
        INDArray max = logits.max(true, 1);
        INDArray exp = Transforms.exp(logits.subColumnVector(max), false);
        INDArray sum = exp.sum(true, 1);
        double[] maxD = max.data().asDouble();
        double[] sumD = sum.data().asDouble();
        DataBuffer l = logits.data();
        double loss = 0;
        double[] rowWeight = new double[n];
        for (int r = 0; r < n; r++) {
            int y = target[r];
            if (y != TokenBatch.NO_LOSS) {
                loss -= l.getDouble((long) r * vOut + y) - maxD[r] - Math.log(sumD[r]);
                rowWeight[r] = 1.0 / (count * sumD[r]);
            }
        }
        loss /= count;
        if (!withGradient) {
            return new Result(loss, null);
        }
        INDArray dLogits = exp.muliColumnVector(Nd4j.create(rowWeight, new long[] {n, 1}, exp.dataType()));
        DataBuffer g = dLogits.data();
        for (int r = 0; r < n; r++) {
            if (target[r] != TokenBatch.NO_LOSS) {
                long i = (long) r * vOut + target[r];
                g.put(i, g.getDouble(i) - 1.0 / count);
            }
        }
        return new Result(loss, dLogits);
    }
}
