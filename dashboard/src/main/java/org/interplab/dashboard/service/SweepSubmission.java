package org.interplab.dashboard.service;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** A validated sweep: its name, the preset it came from (or null), the base spec, the grid, and every point. */
public record SweepSubmission(String name, String preset, ObjectNode baseSpec, ObjectNode grid,
                              List<Submission> points) {
}
