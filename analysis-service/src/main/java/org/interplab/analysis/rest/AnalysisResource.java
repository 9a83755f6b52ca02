package org.interplab.analysis.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.util.List;
import java.util.UUID;
import org.interplab.analysis.entity.AnalysisRun;
import org.interplab.analysis.service.AnalysisStore;
import org.interplab.analysis.service.TableCsv;
import org.interplab.analysis.service.TableMeta;
import org.interplab.analysis.service.TableSlice;

/** Internal API: the owner of the analysis tables serves them (the dashboard proxies it publicly). */
@Path("/analysis/{checkpointId}")
@Produces(MediaType.APPLICATION_JSON)
public class AnalysisResource {
    @Inject
    AnalysisStore store;

    public record TableEntry(String name, String kind, String title, Integer rows, Integer cols, String error) {
    }

    public record AnalysisIndex(UUID checkpointId, UUID experimentId, String status, int tablesOk,
                                int tablesFailed, List<TableEntry> tables) {
    }

    @GET
    public AnalysisIndex index(@PathParam("checkpointId") UUID checkpointId) {
        AnalysisRun run = store.run(checkpointId)
                .orElseThrow(() -> new NotFoundException("checkpoint " + checkpointId + " has no analysis (yet)"));
        List<TableEntry> tables = store.index(checkpointId).stream()
                .map(t -> new TableEntry(t.name, t.kind, t.title, t.nRows, t.nCols, t.error)).toList();
        return new AnalysisIndex(checkpointId, run.experimentId, run.status, run.tablesOk, run.tablesFailed, tables);
    }

    /** A table or a window of it, as JSON: labels and values plus where the window sits in the whole table. */
    public record TableView(String name, String kind, String title, String description, String rowAxis,
                            String colAxis, int[] shape, Range rows, Range cols, List<String> rowLabels,
                            List<String> colLabels, float[][] values) {
    }

    public record Range(int start, int end, int stride) {
    }

    /**
     * One table. {@code rows=a:b}, {@code cols=c:d} pick a window, {@code stride=k} downsamples it (each cell the
     * value of largest magnitude in its k × k block). Without them a table of more than
     * {@value TableSlice#DEFAULT_MAX_CELLS} cells comes as a downsampled overview, so no client is handed a
     * multi-MB body it did not ask for; {@code format=csv} gives the same window as CSV (the whole table by default).
     */
    @GET
    @Path("/tables/{name}")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Response table(@PathParam("checkpointId") UUID checkpointId, @PathParam("name") String name,
                          @QueryParam("format") String format, @QueryParam("rows") String rows,
                          @QueryParam("cols") String cols, @QueryParam("stride") String stride) {
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            return ErrorMappers.json(400, "format must be json or csv, was '" + format + "'", "format");
        }
        AnalysisStore.StoredTable stored = store.table(checkpointId, name)
                .orElseThrow(() -> new NotFoundException("checkpoint " + checkpointId + " has no table '" + name + "'"));
        if (stored.error() != null) {
            return ErrorMappers.json(422, "table '" + name + "' failed: " + stored.error(), "name");
        }
        TableMeta meta = stored.meta();
        int nRows = meta.rowLabels().size();
        int nCols = meta.colLabels().size();
        boolean csv = "csv".equals(format);
        TableSlice slice;
        if (rows == null && cols == null && stride == null) {
            slice = csv || (long) nRows * nCols <= TableSlice.DEFAULT_MAX_CELLS
                    ? TableSlice.whole(nRows, nCols) : TableSlice.overview(nRows, nCols);
        } else {
            int[] r = range(rows, nRows, "rows");
            int[] c = range(cols, nCols, "cols");
            int k = stride == null ? 1 : positive(stride, "stride");
            slice = new TableSlice(r[0], r[1], k, c[0], c[1], k);
        }
        float[][] values = slice.read(stored.data(), nCols);
        if (csv) {
            StreamingOutput body = out -> TableCsv.write(meta, values, slice, out);
            return Response.ok(body, "text/csv")
                    .header("Content-Disposition", "attachment; filename=\"" + name + ".csv\"").build();
        }
        return Response.ok(new TableView(meta.name(), meta.kind(), meta.title(), meta.description(), meta.rowAxis(),
                meta.colAxis(), new int[] {nRows, nCols},
                new Range(slice.rowStart(), slice.rowEnd(), slice.rowStride()),
                new Range(slice.colStart(), slice.colEnd(), slice.colStride()),
                TableSlice.labels(meta.rowLabels(), slice.rowStart(), slice.rowEnd(), slice.rowStride()),
                TableSlice.labels(meta.colLabels(), slice.colStart(), slice.colEnd(), slice.colStride()), values),
                MediaType.APPLICATION_JSON).build();
    }

    /** "a:b" (either side may be empty) within [0, size), or the whole range when absent. */
    static int[] range(String text, int size, String field) {
        if (text == null) {
            return new int[] {0, size};
        }
        String[] parts = text.split(":", -1);
        try {
            if (parts.length != 2) {
                throw new NumberFormatException();
            }
            int start = parts[0].isEmpty() ? 0 : Integer.parseInt(parts[0]);
            int end = parts[1].isEmpty() ? size : Integer.parseInt(parts[1]);
            if (start < 0 || end > size || start >= end) {
                throw new BadRequest(field, field + " must satisfy 0 ≤ start < end ≤ " + size + ", was '" + text + "'");
            }
            return new int[] {start, end};
        } catch (NumberFormatException e) {
            throw new BadRequest(field, field + " must look like start:end, was '" + text + "'");
        }
    }

    static int positive(String text, String field) {
        try {
            int value = Integer.parseInt(text);
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new BadRequest(field, field + " must be a whole number ≥ 1, was '" + text + "'");
    }
}
