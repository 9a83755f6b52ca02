package org.interplab.dashboard.service;

import org.interplab.contracts.spec.ExperimentSpec;

/** A validated experiment to store: the complete spec and, when it came from one, the preset's name. */
public record Submission(ExperimentSpec spec, String preset) {
}
