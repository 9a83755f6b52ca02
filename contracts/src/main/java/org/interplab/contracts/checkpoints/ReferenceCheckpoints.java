package org.interplab.contracts.checkpoints;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * The hand-built models the trainer registers as checkpoints at start-up (interp-core's ReferenceModels), and
 * their ids. An id is a name-based UUID, the same in every replica and after every restart, so registering is an
 * insert-if-absent and any service can tell a reference checkpoint by its id.
 */
public final class ReferenceCheckpoints {
    /** Seed 003's two-head XOR construction (scores ±10000). */
    public static final String XOR = "xor-reference";
    /** Seed 000's one-head OV-coherent construction (d_head 4, the 4×10 EVOU). */
    public static final String OV_COHERENT_ONE_HEAD = "ov-coherent-1head-reference";
    public static final List<String> NAMES = List.of(XOR, OV_COHERENT_ONE_HEAD);

    /** Checkpoint sources, as the trainer stores them. */
    public static final String SOURCE_TRAINED = "trained";
    public static final String SOURCE_UPLOADED = "uploaded";
    public static final String SOURCE_REFERENCE = "reference";
    public static final List<String> SOURCES = List.of(SOURCE_TRAINED, SOURCE_UPLOADED, SOURCE_REFERENCE);

    private ReferenceCheckpoints() {
    }

    /** The checkpoint id of a reference model, derived from its name only. */
    public static UUID id(String name) {
        return UUID.nameUUIDFromBytes(("interplab/reference-checkpoint/" + name).getBytes(StandardCharsets.UTF_8));
    }

    public static boolean isReference(UUID checkpointId) {
        return checkpointId != null && NAMES.stream().anyMatch(n -> id(n).equals(checkpointId));
    }
}
