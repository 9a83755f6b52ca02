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
 * {@link TokenBatch#NO_LOSS} positions.
 *
 * <p>Every vocabulary-sized pass runs along the rows of a row-major array (row max, in-place shift and exp, row
 * sum, in-place scale): ND4J's reductions and broadcasts along the other axis of a [tokens, 50 257] array are
 * ≈ 40× slower. With {@code overwrite} the logits array itself becomes the gradient (no vocabulary-sized
 * temporary at all); otherwise one copy is made.
 */
final class CrossEntropy {
    record Result(double loss, INDArray dLogits) {
    }

    private CrossEntropy() {
    }

    /** {@code logits} [batch·pos, d_vocab_out], left intact; dLogits only when {@code withGradient}. */
    static Result of(INDArray logits, int[][] targets, boolean withGradient) {
        return of(logits, targets, withGradient, false);
    }

    /** As {@link #of(INDArray, int[][], boolean)}; with {@code overwrite} the logits are consumed. */
    static Result of(INDArray logits, int[][] targets, boolean withGradient, boolean overwrite) {
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
        boolean rowMajor = Shape.hasDefaultStridesForShape(logits) && logits.ordering() == 'c'
                && logits.offset() == 0;
        INDArray e = rowMajor && overwrite ? logits : logits.dup('c');
        INDArray max = e.max(true, 1);
        double[] maxD = max.data().asDouble();
        DataBuffer l = e.data();
        double loss = 0;
        for (int r = 0; r < n; r++) {
            if (target[r] != TokenBatch.NO_LOSS) {
                loss -= l.getDouble((long) r * vOut + target[r]) - maxD[r];
            }
        }
        Transforms.exp(e.subiColumnVector(max), false);
        double[] sumD = e.sum(true, 1).data().asDouble();
        double[] rowWeight = new double[n];
        for (int r = 0; r < n; r++) {
            if (target[r] != TokenBatch.NO_LOSS) {
                loss += Math.log(sumD[r]);
                rowWeight[r] = 1.0 / (count * sumD[r]);
            }
        }
        loss /= count;
        if (!withGradient) {
            return new Result(loss, null);
        }
        INDArray dLogits = e.muliColumnVector(Nd4j.create(rowWeight, new long[] {n, 1}, e.dataType()));
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
