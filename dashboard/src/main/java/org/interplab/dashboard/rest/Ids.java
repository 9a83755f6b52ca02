package org.interplab.dashboard.rest;

import java.util.UUID;

/** Path ids are read here rather than by JAX-RS, which answers a malformed one with 404 instead of 400. */
final class Ids {
    private Ids() {
    }

    static UUID parse(String value, String field) {
        try {
            UUID id = UUID.fromString(value);
            if (id.toString().equalsIgnoreCase(value)) {
                return id;
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw ApiException.badRequest("'" + value + "' is not a UUID", field);
    }
}
