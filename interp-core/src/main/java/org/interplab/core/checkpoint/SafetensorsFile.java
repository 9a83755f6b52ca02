package org.interplab.core.checkpoint;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The content of a safetensors file: tensors in header order, and the {@code __metadata__} string map. */
public record SafetensorsFile(LinkedHashMap<String, INDArray> tensors, Map<String, String> metadata) {
}
