package org.interplab.dashboard.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.interplab.contracts.spec.FieldError;

/**
 * Every 4xx/5xx body of the public API: what was wrong and, when one field is to blame, its JSON path. A spec that
 * fails validation lists all its errors in {@code errors}; {@code field} names the first.
 */
public record ErrorResponse(String error, String field,
                            @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FieldError> errors) {

    public static ErrorResponse of(String error, String field) {
        return new ErrorResponse(error, field, List.of());
    }
}
