package org.interplab.dashboard.rest;

import jakarta.ws.rs.core.Response;
import java.util.List;

/** Paged lists: {@code ?limit=} rows from {@code ?offset=}, and the number of all matching rows in a header. */
final class Pages {
    static final String TOTAL = "X-Total-Count";

    private Pages() {
    }

    /** 400 naming {@code limit} or {@code offset} when the page asked for is out of range. */
    static void check(int limit, int offset) {
        if (limit < 1 || limit > ExperimentResource.MAX_LIST) {
            throw ApiException.badRequest("limit must be in [1, " + ExperimentResource.MAX_LIST + "]", "limit");
        }
        if (offset < 0) {
            throw ApiException.badRequest("offset must be ≥ 0", "offset");
        }
    }

    static Response of(List<?> rows, long total) {
        return Response.ok(rows).header(TOTAL, total).build();
    }
}
