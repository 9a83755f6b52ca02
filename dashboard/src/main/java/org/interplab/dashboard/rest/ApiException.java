package org.interplab.dashboard.rest;

import jakarta.ws.rs.core.Response;
import java.util.List;
import org.interplab.contracts.spec.FieldError;

/** A request the API refuses, with the status and the JSON error body it answers with. */
public class ApiException extends RuntimeException {
    private final int status;
    private final String field;
    private final List<FieldError> errors;

    public ApiException(int status, String message, String field, List<FieldError> errors) {
        super(message);
        this.status = status;
        this.field = field;
        this.errors = errors == null ? List.of() : errors;
    }

    public ApiException(Response.Status status, String message, String field) {
        this(status.getStatusCode(), message, field, List.of());
    }

    public static ApiException badRequest(String message, String field) {
        return new ApiException(Response.Status.BAD_REQUEST, message, field);
    }

    public static ApiException notFound(String message) {
        return new ApiException(Response.Status.NOT_FOUND, message, null);
    }

    public int status() {
        return status;
    }

    public ErrorResponse body() {
        return new ErrorResponse(getMessage(), field, errors);
    }
}
