package org.interplab.core.checkpoint;

/**
 * A byte sequence that is not a valid safetensors file. The message says exactly what is wrong (which tensor, which
 * offsets, which sizes), so an API can return it to the uploader as a 400.
 */
public class SafetensorsFormatException extends IllegalArgumentException {
    public SafetensorsFormatException(String message) {
        super(message);
    }

    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
