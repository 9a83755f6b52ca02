package org.interplab.analysis.service;

import java.util.List;
import org.interplab.core.circuits.CircuitTable;

/** CSV of a table: a header of column labels, then one row per row label. */
public final class TableCsv {
    private TableCsv() {
    }

    public static String write(CircuitTable table) {
        StringBuilder out = new StringBuilder();
        out.append(cell(table.rowAxis() + " \\ " + table.colAxis()));
        appendLabels(out, table.colLabels());
        for (int i = 0; i < table.values().length; i++) {
            out.append(cell(table.rowLabels().get(i)));
            for (double v : table.values()[i]) {
                out.append(',').append(v);
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static void appendLabels(StringBuilder out, List<String> labels) {
        for (String label : labels) {
            out.append(',').append(cell(label));
        }
        out.append('\n');
    }

    private static String cell(String s) {
        if (s == null) {
            return "";
        }
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.startsWith(" ") || s.endsWith(" ")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }
}
