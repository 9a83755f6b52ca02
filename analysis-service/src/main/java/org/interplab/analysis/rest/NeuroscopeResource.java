package org.interplab.analysis.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.analysis.neuroscope.NeuronPages;
import org.interplab.analysis.neuroscope.NeuroscopeService;
import org.interplab.analysis.neuroscope.ScanParams;
import org.interplab.analysis.neuroscope.ScanStore;
import org.interplab.contracts.neuroscope.NeuroscopeViews.CosineView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.LiveRequest;
import org.interplab.contracts.neuroscope.NeuroscopeViews.LiveView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.NeuronIndex;
import org.interplab.contracts.neuroscope.NeuroscopeViews.NeuronSummary;
import org.interplab.contracts.neuroscope.NeuroscopeViews.NeuronView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.ScanAccepted;
import org.interplab.contracts.neuroscope.NeuroscopeViews.ScanRequest;
import org.interplab.contracts.neuroscope.NeuroscopeViews.ScanView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.TokenHit;
import org.interplab.contracts.neuroscope.NeuroscopeViews.TokenSearch;
import org.interplab.core.corpus.Gpt2Tokenizer;

/** Internal API of the Neuroscope (the dashboard proxies it under /api/models/{checkpointId}/…). */
@Path("/neuroscope/{checkpointId}")
@Produces(MediaType.APPLICATION_JSON)
public class NeuroscopeResource {
    static final Map<String, String> SORTS = Map.of("max", "max_act", "density", "density", "mean", "mean_act",
            "sharpness", "logit_sharpness", "neuron", "layer");
    static final int MAX_LIVE_CHARS = 20_000;

    @Inject
    NeuroscopeService neuroscope;
    @Inject
    ScanStore store;
    @Inject
    NeuronPages pages;

    static ScanView view(ScanStore.Scan s) {
        return new ScanView(s.id(), s.checkpointId(), s.corpusId(), s.status(), s.shardsTotal(), s.shardsDone(),
                s.tokensTotal(), s.tokensDone(), s.nLayers(), s.dMlp(), s.stories(), s.params().maxTokens(), s.error());
    }

    @GET
    @Path("/scans")
    public List<ScanView> scans(@PathParam("checkpointId") UUID checkpointId) {
        return store.forCheckpoint(checkpointId).stream().map(NeuroscopeResource::view).toList();
    }

    @POST
    @Path("/scans")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response requestScan(@PathParam("checkpointId") UUID checkpointId, ScanRequest request) {
        String corpus = request == null ? null : request.corpus();
        if (corpus != null && !corpus.matches("[A-Za-z0-9_.\\-]{1,128}")) {
            throw new BadRequest("corpus", "corpus id must be 1-128 letters, digits, '.', '_' or '-'");
        }
        ScanParams params = neuroscope.defaultParams();
        if (request != null && request.maxTokens() != null) {
            if (request.maxTokens() < 1 || request.maxTokens() > 1_000_000_000L) {
                throw new BadRequest("maxTokens", "maxTokens must be in [1, 10^9]");
            }
            params = new ScanParams(params.settings(), params.storiesPerBatch(), params.groupsPerShard(),
                    request.maxTokens());
        }
        ScanStore.Enqueued e = neuroscope.request(checkpointId, corpus, params);
        String status = store.byId(e.id()).map(ScanStore.Scan::status).orElse("QUEUED");
        return Response.status(e.created() ? 202 : 200).entity(new ScanAccepted(e.id(), e.created(), status)).build();
    }

    private ScanStore.Scan completed(UUID checkpointId, String corpus) {
        return neuroscope.completedScan(checkpointId, corpus).orElseThrow(() -> new NotFoundException(
                "checkpoint " + checkpointId + " has no completed Neuroscope scan"
                        + (corpus == null ? "" : " of corpus " + corpus)));
    }

    @GET
    @Path("/neurons/{layer}/{neuron}")
    public NeuronView neuron(@PathParam("checkpointId") UUID checkpointId, @PathParam("layer") int layer,
                             @PathParam("neuron") int neuron, @QueryParam("corpus") String corpus) {
        ScanStore.Scan scan = completed(checkpointId, corpus);
        if (layer < 0 || layer >= scan.nLayers()) {
            throw new BadRequest("layer", "layer " + layer + " outside [0, " + scan.nLayers() + ")");
        }
        if (neuron < 0 || neuron >= scan.dMlp()) {
            throw new BadRequest("neuron", "neuron " + neuron + " outside [0, " + scan.dMlp() + ")");
        }
        return withModel(() -> pages.neuron(scan, store.neuron(scan.id(), layer, neuron).orElseThrow()));
    }

    @GET
    @Path("/neurons")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    public Response index(@PathParam("checkpointId") UUID checkpointId, @QueryParam("corpus") String corpus,
                          @QueryParam("layer") Integer layer, @QueryParam("sort") @DefaultValue("max") String sort,
                          @QueryParam("order") @DefaultValue("desc") String order,
                          @QueryParam("limit") @DefaultValue("100") int limit,
                          @QueryParam("offset") @DefaultValue("0") int offset, @QueryParam("format") String format) {
        String column = SORTS.get(sort);
        if (column == null) {
            throw new BadRequest("sort", "sort must be one of " + SORTS.keySet());
        }
        if (!order.equals("asc") && !order.equals("desc")) {
            throw new BadRequest("order", "order must be asc or desc");
        }
        if (limit < 1 || limit > 100_000 || offset < 0) {
            throw new BadRequest("limit", "limit must be in [1, 100000] and offset ≥ 0");
        }
        ScanStore.Scan scan = completed(checkpointId, corpus);
        List<NeuronSummary> rows = store.index(scan.id(), layer, column, order.equals("desc"), limit, offset).stream()
                .map(r -> new NeuronSummary(r.layer(), r.neuron(), r.maxAct(), r.mean(), r.density(), r.sharpness(),
                        r.topLogitToken(), NeuronPages.text(r.topLogitToken()))).toList();
        if ("csv".equals(format)) {
            StringBuilder csv = new StringBuilder("layer,neuron,max_activation,mean,density,logit_sharpness,"
                    + "top_logit_token,top_logit_text\n");
            for (NeuronSummary r : rows) {
                csv.append(r.layer()).append(',').append(r.neuron()).append(',').append(r.maxActivation()).append(',')
                        .append(r.mean()).append(',').append(r.density()).append(',').append(r.logitSharpness())
                        .append(',').append(r.topLogitToken()).append(",\"")
                        .append(r.topLogitText().replace("\"", "\"\"")).append("\"\n");
            }
            return Response.ok(csv.toString(), "text/csv").build();
        }
        if (format != null && !format.equals("json")) {
            throw new BadRequest("format", "format must be json or csv");
        }
        return Response.ok(new NeuronIndex(checkpointId, scan.id(), scan.corpusId(), scan.nLayers(), scan.dMlp(),
                store.neuronCount(scan.id(), layer), sort, rows), MediaType.APPLICATION_JSON).build();
    }

    /** Neurons that fire most on a token (from their top examples): ?token=<id> or ?text=<one token's text>. */
    @GET
    @Path("/search")
    public TokenSearch search(@PathParam("checkpointId") UUID checkpointId, @QueryParam("token") Integer token,
                              @QueryParam("text") String text, @QueryParam("corpus") String corpus,
                              @QueryParam("limit") @DefaultValue("50") int limit) {
        int id;
        if (token != null) {
            if (token < 0 || token >= Gpt2Tokenizer.VOCAB) {
                throw new BadRequest("token", "token must be a GPT-2 id in [0, " + Gpt2Tokenizer.VOCAB + ")");
            }
            id = token;
        } else if (text != null && !text.isEmpty()) {
            int[] ids = Gpt2Tokenizer.get().encode(text);
            if (ids.length != 1) {
                throw new BadRequest("text", "'" + text + "' is " + ids.length + " tokens; give exactly one token");
            }
            id = ids[0];
        } else {
            throw new BadRequest("token", "give token=<id> or text=<token text>");
        }
        if (limit < 1 || limit > 1000) {
            throw new BadRequest("limit", "limit must be in [1, 1000]");
        }
        ScanStore.Scan scan = completed(checkpointId, corpus);
        return new TokenSearch(checkpointId, id, NeuronPages.text(id), store.byToken(scan.id(), id, limit).stream()
                .map(r -> new TokenHit(r.layer(), r.neuron(), r.activation())).toList());
    }

    @POST
    @Path("/live")
    @Consumes(MediaType.APPLICATION_JSON)
    public LiveView live(@PathParam("checkpointId") UUID checkpointId, LiveRequest request,
                         @QueryParam("top") @DefaultValue("10") int top) {
        if (request == null || request.text() == null || request.text().isEmpty()) {
            throw new BadRequest("text", "text is required");
        }
        if (request.text().length() > MAX_LIVE_CHARS) {
            throw new BadRequest("text", "text longer than " + MAX_LIVE_CHARS + " characters");
        }
        if (top < 1 || top > 100) {
            throw new BadRequest("top", "top must be in [1, 100]");
        }
        return withModel(() -> pages.live(checkpointId, request.text(), top));
    }

    @GET
    @Path("/cosine/{layer}")
    public CosineView cosine(@PathParam("checkpointId") UUID checkpointId, @PathParam("layer") int layer,
                             @QueryParam("matrix") @DefaultValue("W_out") String matrix,
                             @QueryParam("size") @DefaultValue("128") int size) {
        if (!matrix.equals("W_out") && !matrix.equals("W_in")) {
            throw new BadRequest("matrix", "matrix must be W_out or W_in");
        }
        if (size < 8 || size > 512) {
            throw new BadRequest("size", "size must be in [8, 512]");
        }
        return withModel(() -> pages.cosine(checkpointId, layer, matrix, size));
    }

    /** A view that reads the model: a checkpoint the trainer does not have is a 404, one that is no LM a 400. */
    private static <T> T withModel(java.util.function.Supplier<T> view) {
        try {
            return view.get();
        } catch (jakarta.ws.rs.WebApplicationException e) {
            if (e.getResponse().getStatus() == 404) {
                throw new NotFoundException("no such checkpoint");
            }
            throw e;
        } catch (IllegalArgumentException e) {
            throw new BadRequest("checkpointId", e.getMessage());
        }
    }
}
