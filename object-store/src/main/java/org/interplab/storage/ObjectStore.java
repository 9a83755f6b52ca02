package org.interplab.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Where large bytes live (checkpoint weights and optimizer state, tokenized corpora): keys like
 * {@code checkpoints/<id>/model.safetensors}. Writes and reads stream; nothing here holds a whole object in memory.
 * Database rows keep the key, the size and the sha256 that {@link #put} reports.
 */
public interface ObjectStore {

    /** What was stored: the key, its size in bytes and the lowercase hex sha256 of its content. */
    record StoredObject(String key, long size, String sha256) {
    }

    /**
     * Stores the stream's bytes under {@code key}, replacing any object there. The stream is read to its end, not
     * closed. The object appears whole or not at all (a failed or interrupted put leaves nothing under the key).
     */
    StoredObject put(String key, InputStream content) throws IOException;

    /** The object's bytes as a stream the caller closes; empty when there is no such key. */
    Optional<InputStream> get(String key) throws IOException;

    /** The object's size in bytes; empty when there is no such key. */
    Optional<Long> size(String key) throws IOException;

    /** Removes the object; no error when it is absent. */
    void delete(String key) throws IOException;

    /** A short description for logs and health checks, e.g. {@code file:/var/lib/lab/objects}. */
    String describe();
}
