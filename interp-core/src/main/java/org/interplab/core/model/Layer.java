package org.interplab.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One layer of the transformer on residual-shaped activations [batch·pos, features]: {@code forward} keeps what
 * {@code backward} needs; {@code backward} takes d loss / d output, records the parameter gradients in the run and
 * returns d loss / d input. A layer object serves one pass (it is made fresh for each forward).
 */
interface Layer {
    INDArray forward(INDArray x);

    INDArray backward(INDArray dOut);

    /** normalization "none": the identity. */
    Layer IDENTITY = new Layer() {
        @Override
        public INDArray forward(INDArray x) {
            return x;
        }

        @Override
        public INDArray backward(INDArray dOut) {
            return dOut;
        }
    };
}
