package org.interplab.analysis.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.interplab.core.circuits.CircuitTable;
import org.junit.jupiter.api.Test;

class TableSliceTest {
    static final List<String> L5 = List.of("a", "b", "c", "d", "e");

    private static byte[] table5x5() {
        double[][] v = new double[5][5];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                v[i][j] = 10 * i + j;
            }
        }
        v[1][0] = -99; // a strong negative entry must survive downsampling
        return TableMeta.values(new CircuitTable("t", "t", "t", "", "r", "c", L5, L5, v));
    }

    @Test
    void aWindowReadsExactlyItsCells() {
        float[][] out = new TableSlice(1, 3, 1, 2, 5, 1).read(table5x5(), 5);
        assertArrayEquals(new float[] {12, 13, 14}, out[0]);
        assertArrayEquals(new float[] {22, 23, 24}, out[1]);
    }

    @Test
    void strideKeepsTheLargestMagnitudeOfEachBlockIncludingRaggedEdges() {
        float[][] out = new TableSlice(0, 5, 2, 0, 5, 2).read(table5x5(), 5);
        assertEquals(3, out.length);
        assertArrayEquals(new float[] {-99, 13, 14}, out[0]);
        assertArrayEquals(new float[] {31, 33, 34}, out[1]);
        assertArrayEquals(new float[] {41, 43, 44}, out[2]);
        assertEquals(List.of("a", "c", "e"), TableSlice.labels(L5, 0, 5, 2));
    }

    @Test
    void anOverviewOfA4096SquareTableFitsTheDefaultBudget() {
        TableSlice overview = TableSlice.overview(4096, 4096);
        assertTrue((long) overview.outRows() * overview.outCols() <= TableSlice.DEFAULT_MAX_CELLS);
        assertEquals(8, overview.rowStride());
        assertEquals(512, overview.outRows());
    }
}
