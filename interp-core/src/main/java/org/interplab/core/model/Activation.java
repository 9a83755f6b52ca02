package org.interplab.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Elementwise activations with their derivatives, named as in TransformerLens: {@code relu}, {@code gelu} (exact,
 * x·Φ(x), PyTorch's F.gelu) and {@code gelu_new} (GPT-2's tanh approximation).
 */
public enum Activation {
    RELU, GELU, GELU_NEW;

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

    public static Activation of(String name) {
        return switch (name == null ? "relu" : name) {
            case "relu" -> RELU;
            case "gelu" -> GELU;
            case "gelu_new" -> GELU_NEW;
            default -> throw new IllegalArgumentException("unknown activation '" + name + "'");
        };
    }

    public INDArray apply(INDArray x) {
        return switch (this) {
            case RELU -> Transforms.relu(x, true);
            case GELU -> x.mul(phi(x));
            case GELU_NEW -> {
                INDArray t = Transforms.tanh(tanhArgument(x), false);
                yield t.addi(1).muli(x).muli(0.5);
            }
        };
    }

    /** d act(x) / dx, elementwise. */
    public INDArray derivative(INDArray x) {
        return switch (this) {
            case RELU -> x.gt(0).castTo(x.dataType());
            case GELU -> {
                INDArray density = Transforms.exp(x.mul(x).muli(-0.5), false).muli(INV_SQRT_2PI);
                yield phi(x).addi(density.muli(x));
            }
            case GELU_NEW -> {
                INDArray t = Transforms.tanh(tanhArgument(x), false);
                // 0.5(1+t) + 0.5x(1−t²)·c(1 + 3·0.044715x²)
                INDArray inner = x.mul(x).muli(3 * 0.044715).addi(1).muli(SQRT_2_OVER_PI);
                INDArray second = t.mul(t).rsubi(1).muli(inner).muli(x).muli(0.5);
                yield t.addi(1).muli(0.5).addi(second);
            }
        };
    }

    /** Φ(x) = ½(1 + erf(x/√2)). */
    private static INDArray phi(INDArray x) {
        INDArray scaled = x.div(Math.sqrt(2));
        Nd4j.exec(new Erf(scaled, scaled));
        return scaled.addi(1).muli(0.5);
    }

    private static INDArray tanhArgument(INDArray x) {
        return x.mul(x).muli(x).muli(0.044715).addi(x).muli(SQRT_2_OVER_PI);
    }
}
