package org.interplab.analysis.service;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A window of a stored table: rows [rowStart, rowEnd) and columns [colStart, colEnd), each with a stride. With a
 * stride above 1 every output cell stands for a stride × stride block and holds the block's value of largest
 * magnitude (so a lone strong entry stays visible in a downsampled heatmap, unlike with a mean).
 */
public record TableSlice(int rowStart, int rowEnd, int rowStride, int colStart, int colEnd, int colStride) {
    /** Tables up to this many cells are served whole by default; larger ones as an overview of about this size. */
    public static final int DEFAULT_MAX_CELLS = 512 * 512;

    public static TableSlice whole(int nRows, int nCols) {
        return new TableSlice(0, nRows, 1, 0, nCols, 1);
    }

    /** The whole table, strided just enough to fit {@link #DEFAULT_MAX_CELLS}. */
    public static TableSlice overview(int nRows, int nCols) {
        int stride = 1;
        while ((long) ceilDiv(nRows, stride) * ceilDiv(nCols, stride) > DEFAULT_MAX_CELLS) {
            stride++;
        }
        return new TableSlice(0, nRows, stride, 0, nCols, stride);
    }

    public int outRows() {
        return ceilDiv(rowEnd - rowStart, rowStride);
    }

    public int outCols() {
        return ceilDiv(colEnd - colStart, colStride);
    }

    public boolean isWhole(int nRows, int nCols) {
        return rowStart == 0 && rowEnd == nRows && colStart == 0 && colEnd == nCols && rowStride == 1
                && colStride == 1;
    }

    /** Reads this window out of row-major little-endian float32 data of a table with nCols columns. */
    public float[][] read(byte[] data, int nCols) {
        ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        float[][] out = new float[outRows()][outCols()];
        for (int i = 0; i < out.length; i++) {
            int r0 = rowStart + i * rowStride;
            int r1 = Math.min(r0 + rowStride, rowEnd);
            for (int j = 0; j < out[i].length; j++) {
                int c0 = colStart + j * colStride;
                int c1 = Math.min(c0 + colStride, colEnd);
                float best = 0;
                for (int r = r0; r < r1; r++) {
                    for (int c = c0; c < c1; c++) {
                        float v = buf.getFloat((r * nCols + c) * Float.BYTES);
                        if (Math.abs(v) > Math.abs(best) || Float.isNaN(v)) {
                            best = v;
                        }
                    }
                }
                out[i][j] = best;
            }
        }
        return out;
    }

    /** Labels of the rows (or columns) this window shows: the first label of each block. */
    public static List<String> labels(List<String> labels, int start, int end, int stride) {
        List<String> out = new java.util.ArrayList<>();
        for (int i = start; i < end; i += stride) {
            out.add(labels.get(i));
        }
        return out;
    }

    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
