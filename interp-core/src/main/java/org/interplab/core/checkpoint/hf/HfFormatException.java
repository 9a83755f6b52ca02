package org.interplab.core.checkpoint.hf;

/**
 * A Hugging Face model file or config that cannot be imported; the message names the defect (the opcode or global
 * a pickle may not use, the missing storage, the tensor with the wrong shape, the config field).
 */
public class HfFormatException extends IllegalArgumentException {
    public HfFormatException(String message) {
        super(message);
    }

    public HfFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
