package org.interplab.contracts.spec;

/** One thing wrong with a submitted spec: the JSON path of the field and what is wrong with it. */
public record FieldError(String field, String error) {
}
