package org.interplab.analysis.service;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.interplab.core.circuits.CircuitTable;

/** A stored table without its values (those are float32 bytes beside it, see {@link TableSlice}). */
public record TableMeta(String name, String kind, String title, String description, String rowAxis, String colAxis,
                        List<String> rowLabels, List<String> colLabels) {

    public static TableMeta of(CircuitTable t) {
        return new TableMeta(t.name(), t.kind(), t.title(), t.description(), t.rowAxis(), t.colAxis(),
                t.rowLabels(), t.colLabels());
    }

    /** Row-major little-endian float32, the layout {@link TableSlice#read} expects. */
    public static byte[] values(CircuitTable t) {
        double[][] values = t.values();
        int nCols = t.colLabels().size();
        ByteBuffer buf = ByteBuffer.allocate(values.length * nCols * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (double[] row : values) {
            if (row.length != nCols) {
                throw new IllegalArgumentException("table " + t.name() + " has a row of " + row.length
                        + " values but " + nCols + " column labels");
            }
            for (double v : row) {
                buf.putFloat((float) v);
            }
        }
        return buf.array();
    }
}
