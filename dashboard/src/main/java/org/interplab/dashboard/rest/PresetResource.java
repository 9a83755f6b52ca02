package org.interplab.dashboard.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.Presets;
import org.interplab.contracts.spec.SweepSpec;

/** The named experiments that reproduce the seeds' settings. */
@Path("/api/presets")
@Produces(MediaType.APPLICATION_JSON)
public class PresetResource {

    @GET
    @Operation(summary = "Preset names with the full spec each expands to (before seed and overrides); a sweep "
            + "preset also has its default grid and number of points")
    public List<Views.PresetView> list() {
        return Presets.NAMES.stream().map(name -> {
            var grid = Presets.grid(name);
            Integer points = grid.map(g -> (int) SweepSpec.of(Presets.load(name), g).size()).orElse(null);
            return new Views.PresetView(name, Json.MAPPER.valueToTree(Presets.expand(name, null, null)),
                    grid.orElse(null), points);
        }).toList();
    }
}
