package org.interplab.dashboard.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import io.quarkus.logging.Log;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns every refused or failed request into the API's JSON error body {@code {error, field}}: our own refusals,
 * unreadable JSON, the framework's own 4xx (unknown path, wrong method, unsupported media type, a query parameter
 * that does not convert) and unexpected failures (500, without internals).
 */
public class ErrorMappers {

    @ServerExceptionMapper
    public Response apiException(ApiException e) {
        return json(e.status(), e.body());
    }

    // Declared for the subclasses too: Quarkus ships built-in mappers for some of them, and the most specific wins.
    @ServerExceptionMapper({JsonProcessingException.class, JsonParseException.class, JsonMappingException.class,
            MismatchedInputException.class, UnrecognizedPropertyException.class, InvalidFormatException.class})
    public Response jsonProblem(JsonProcessingException e) {
        return json(400, describe(e));
    }

    /**
     * The framework's refusals. JAX-RS answers a query or path parameter that does not convert (?limit=abc) with a
     * bare 404 whose cause is the conversion failure: that is the client's bad input, so 400 naming the parameter.
     */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (e instanceof NotFoundException && e.getCause() != null) {
            String field = unconvertible(uri, e.getCause());
            return json(400, ErrorResponse.of((field == null ? "a parameter" : "query parameter '" + field + "'")
                    + " cannot be read: " + e.getCause().getMessage(), field));
        }
        String error = switch (status) {
            case 404 -> "no such resource: " + uri.getPath();
            case 405 -> "method not allowed on " + uri.getPath();
            case 415 -> "unsupported content type: send application/json (multipart/form-data for uploads)";
            default -> e.getMessage() == null ? "HTTP " + status : e.getMessage();
        };
        return json(status, ErrorResponse.of(error, status == 415 ? "Content-Type" : null));
    }

    /** Anything else is our failure: 500 with a JSON body, the details in the log only. */
    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        Log.errorf(e, "unexpected failure on %s", uri.getPath());
        return json(500, ErrorResponse.of("internal error while handling " + uri.getPath(), null));
    }

    /** The query (or path) parameter whose value the conversion failure quotes, if one does. */
    static String unconvertible(UriInfo uri, Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        for (Map<String, List<String>> params : List.of(uri.getQueryParameters(), uri.getPathParameters())) {
            for (Map.Entry<String, List<String>> p : params.entrySet()) {
                if (p.getValue().stream().anyMatch(v -> !v.isEmpty() && message.contains('"' + v + '"'))) {
                    return p.getKey();
                }
            }
        }
        return null;
    }

    /** The body for JSON that cannot be read: the parse problem and, for a mapping problem, the field's path. */
    public static ErrorResponse describe(JsonProcessingException e) {
        String location = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        if (e instanceof UnrecognizedPropertyException u) {
            String path = path(u);
            return ErrorResponse.of("unknown property '" + u.getPropertyName() + "'"
                    + (path.contains(".") ? " in " + path.substring(0, path.lastIndexOf('.')) : ""), path);
        }
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            String path = path(m);
            return ErrorResponse.of("cannot read '" + path + "': " + e.getOriginalMessage(), path);
        }
        return ErrorResponse.of("malformed JSON: " + e.getOriginalMessage() + location, null);
    }

    static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : String.valueOf(ref.getIndex()))
                .collect(Collectors.joining("."));
    }

    private static Response json(int status, ErrorResponse body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
