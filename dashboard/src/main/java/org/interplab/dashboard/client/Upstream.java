package org.interplab.dashboard.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.logging.Log;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.function.Supplier;
import org.interplab.contracts.Json;
import org.interplab.dashboard.rest.ApiException;

/**
 * Calls another service's internal API on behalf of a public request. A 2xx answer is returned; a 4xx answer is
 * passed on with its status as the dashboard's JSON error; a 5xx answer becomes 502, and a service that cannot be
 * reached becomes 503.
 */
public final class Upstream {

    private Upstream() {
    }

    public static Response call(String service, String url, Supplier<Response> call) {
        Response response;
        try {
            response = call.get();
        } catch (WebApplicationException e) {
            response = e.getResponse();
        } catch (ProcessingException e) {
            Log.warnf("%s at %s is unreachable: %s", service, url, e.getMessage());
            throw new ApiException(503, service + " is unreachable at " + url, null, null);
        }
        int status = response.getStatus();
        if (status < 400) {
            return response;
        }
        throw failure(service, status, readQuietly(response));
    }

    /** The dashboard's error for another service's 4xx/5xx answer: 4xx passed on (error and field), 5xx as 502. */
    public static ApiException failure(String service, int status, String body) {
        String error = null;
        String field = null;
        try {
            JsonNode json = body == null || body.isBlank() ? null : Json.MAPPER.readTree(body);
            if (json != null && json.hasNonNull("error")) {
                error = json.get("error").asText();
                field = json.hasNonNull("field") ? json.get("field").asText() : null;
            }
        } catch (Exception notJson) {
            // a plain-text body is used as the message below
        }
        if (error == null) {
            error = body == null || body.isBlank() ? service + " answered " + status
                    : service + " answered " + status + ": " + abbreviate(body);
        }
        if (status >= 500) {
            return new ApiException(502, service + " failed: " + error, field, null);
        }
        return new ApiException(status, error, field, null);
    }

    private static String readQuietly(Response response) {
        try {
            return response.hasEntity() ? response.readEntity(String.class) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String abbreviate(String text) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "…";
    }
}
