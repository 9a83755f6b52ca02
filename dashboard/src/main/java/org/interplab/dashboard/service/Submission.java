package org.interplab.dashboard.service;

import com.fasterxml.jackson.databind.JsonNode;
import org.interplab.contracts.spec.ExperimentSpec;

/**
 * A validated experiment to store: the complete spec and, when it came from one, the preset's name. In a sweep,
 * {@code gridPoint} holds its grid values (field path → value) and {@code label} names them.
 */
public record Submission(ExperimentSpec spec, String preset, JsonNode gridPoint, String label) {

    public Submission(ExperimentSpec spec, String preset) {
        this(spec, preset, null, null);
    }
}
