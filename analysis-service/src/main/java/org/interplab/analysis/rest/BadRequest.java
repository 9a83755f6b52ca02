package org.interplab.analysis.rest;

/** A request that names a wrong field; mapped to a 400 with a JSON body. */
public class BadRequest extends RuntimeException {
    public final String field;

    public BadRequest(String field, String message) {
        super(message);
        this.field = field;
    }
}
