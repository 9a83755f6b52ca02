package org.interplab.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** What every {@link ObjectStore} does; each implementation's test extends this with a real store. */
abstract class ObjectStoreContract {

    abstract ObjectStore store() throws IOException;

    @Test
    void putGetSizeDeleteRoundTrip() throws Exception {
        ObjectStore store = store();
        byte[] bytes = "hello objects".getBytes();
        ObjectStore.StoredObject o = store.put("checkpoints/a/model.safetensors", new ByteArrayInputStream(bytes));
        assertEquals(bytes.length, o.size());
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)), o.sha256());
        try (InputStream in = store.get("checkpoints/a/model.safetensors").orElseThrow()) {
            assertArrayEquals(bytes, in.readAllBytes());
        }
        assertEquals(bytes.length, store.size("checkpoints/a/model.safetensors").orElseThrow());
        store.delete("checkpoints/a/model.safetensors");
        assertTrue(store.get("checkpoints/a/model.safetensors").isEmpty());
        assertTrue(store.size("checkpoints/a/model.safetensors").isEmpty());
    }

    @Test
    void missingKeyIsEmptyAndDeleteIsQuiet() throws Exception {
        ObjectStore store = store();
        assertTrue(store.get("no/such/key").isEmpty());
        assertTrue(store.size("no/such/key").isEmpty());
        store.delete("no/such/key");
    }

    @Test
    void failedSmallPutLeavesNothing() throws Exception {
        ObjectStore store = store();
        InputStream broken = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 100) {
                    throw new IOException("connection reset");
                }
                return 7;
            }
        };
        assertThrows(IOException.class, () -> store.put("x/y", broken));
        assertTrue(store.get("x/y").isEmpty());
        assertTrue(store.size("x/y").isEmpty());
    }

    @Test
    void keysCannotEscapeTheRoot() throws Exception {
        ObjectStore store = store();
        for (String bad : new String[] {"../etc/passwd", "/abs", "a/../../b", "a//b", "", "a\\b"}) {
            assertThrows(IllegalArgumentException.class, () -> store.get(bad), bad);
        }
    }
}
