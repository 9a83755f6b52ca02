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
import java.util.List;
import java.util.UUID;
import org.interplab.analysis.entity.AnalysisRun;
import org.interplab.analysis.service.AnalysisStore;
import org.interplab.analysis.service.TableCsv;
import org.interplab.contracts.Json;
import org.interplab.core.circuits.CircuitTable;

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

    @GET
    @Path("/tables/{name}")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Response table(@PathParam("checkpointId") UUID checkpointId, @PathParam("name") String name,
                          @QueryParam("format") String format) {
        AnalysisStore.StoredTable row = store.table(checkpointId, name)
                .orElseThrow(() -> new NotFoundException("checkpoint " + checkpointId + " has no table '" + name + "'"));
        if (row.error() != null) {
            return ErrorMappers.json(422, "table '" + name + "' failed: " + row.error(), "name");
        }
        if (format == null || format.equals("json")) {
            return Response.ok(row.body(), MediaType.APPLICATION_JSON).build();
        }
        if (format.equals("csv")) {
            CircuitTable table = Json.read(row.body(), CircuitTable.class);
            return Response.ok(TableCsv.write(table), "text/csv")
                    .header("Content-Disposition", "attachment; filename=\"" + name + ".csv\"").build();
        }
        return ErrorMappers.json(400, "format must be json or csv, was '" + format + "'", "format");
    }
}
