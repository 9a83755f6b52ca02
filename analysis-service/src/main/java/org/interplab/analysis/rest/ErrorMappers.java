package org.interplab.analysis.rest;

import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.HashMap;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every error leaves as JSON {"error", "field"}. */
public class ErrorMappers {
    @ServerExceptionMapper
    public Response notFound(NotFoundException e) {
        return json(404, e.getMessage(), null);
    }

    @ServerExceptionMapper
    public Response badRequest(BadRequest e) {
        return json(400, e.getMessage(), e.field);
    }

    static Response json(int status, String error, String field) {
        Map<String, Object> body = new HashMap<>();
        body.put("error", error);
        body.put("field", field);
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
    }
}
