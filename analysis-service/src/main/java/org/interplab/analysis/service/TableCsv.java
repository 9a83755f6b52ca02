package org.interplab.analysis.service;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** CSV of a table, streamed: a header of column labels, then one line per row label. */
public final class TableCsv {
    private TableCsv() {
    }

    public static void write(TableMeta meta, float[][] values, TableSlice slice, OutputStream stream)
            throws IOException {
        Writer out = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
        out.write(cell(meta.rowAxis() + " \\ " + meta.colAxis()));
        for (String label : TableSlice.labels(meta.colLabels(), slice.colStart(), slice.colEnd(), slice.colStride())) {
            out.write(',');
            out.write(cell(label));
        }
        out.write('\n');
        List<String> rowLabels = TableSlice.labels(meta.rowLabels(), slice.rowStart(), slice.rowEnd(),
                slice.rowStride());
        for (int i = 0; i < values.length; i++) {
            out.write(cell(rowLabels.get(i)));
            for (float v : values[i]) {
                out.write(',');
                out.write(Float.toString(v));
            }
            out.write('\n');
        }
        out.flush();
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
