package org.interplab.dashboard.rest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns refused requests and unreadable JSON into the API's JSON error body. */
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
