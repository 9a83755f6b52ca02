package org.interplab.core.train;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything needed to resume: the step reached, the weights by TransformerLens name (shapes as in
 * HookedTransformer's state_dict) and the optimizer's state by name (e.g. {@code adam.m.embed.W_E}).
 * {@code rngState} lets data order continue where it stopped.
 */
public record ModelState(long step, Map<String, INDArray> weights, Map<String, INDArray> optimizerState,
                         long rngState) {
}
