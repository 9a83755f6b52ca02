package org.interplab.analysis.entity;

import jakarta.persistence.Basic;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.UUID;

/** One stored table: its JSON body (labels + values), or the error that stopped it. */
@Entity
@Table(name = "analysis_table")
@IdClass(AnalysisTableRow.Key.class)
public class AnalysisTableRow {
    @Id
    @Column(name = "checkpoint_id")
    public UUID checkpointId;
    @Id
    public String name;
    public String kind;
    public String title;
    @Column(name = "n_rows")
    public Integer nRows;
    @Column(name = "n_cols")
    public Integer nCols;
    /** The table without its values, as JSON ({@code TableMeta}). */
    @Basic(fetch = FetchType.LAZY)
    public String meta;
    /** The values, row-major little-endian float32. */
    @Basic(fetch = FetchType.LAZY)
    public byte[] data;
    public String error;

    public AnalysisTableRow() {
    }

    public AnalysisTableRow(UUID checkpointId, String name, String kind, String title, Integer nRows, Integer nCols,
                            String error) {
        this.checkpointId = checkpointId;
        this.name = name;
        this.kind = kind;
        this.title = title;
        this.nRows = nRows;
        this.nCols = nCols;
        this.error = error;
    }

    /** Composite key (checkpoint, table name). */
    public static class Key implements Serializable {
        public UUID checkpointId;
        public String name;

        public Key() {
        }

        public Key(UUID checkpointId, String name) {
            this.checkpointId = checkpointId;
            this.name = name;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && java.util.Objects.equals(checkpointId, k.checkpointId)
                    && java.util.Objects.equals(name, k.name);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(checkpointId, name);
        }
    }
}
