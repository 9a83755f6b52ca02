package org.interplab.core.circuits;

import java.util.List;

/**
 * One analysis table: a matrix with labelled rows and columns, as researchers read it (e.g. EQKE of L0H1 with
 * query tokens as rows and key tokens as columns). {@code name} is URL-safe and unique within a checkpoint
 * (e.g. {@code EQKE.L0H1}); {@code kind} groups tables of the same sort (e.g. {@code EQKE}).
 */
public record CircuitTable(String name, String kind, String title, String description, String rowAxis,
                           String colAxis, List<String> rowLabels, List<String> colLabels, double[][] values) {
}
