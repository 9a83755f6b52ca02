package org.interplab.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileObjectStoreTest {
    @TempDir
    Path dir;

    @Test
    void putGetSizeDeleteRoundTrip() throws Exception {
        FileObjectStore store = new FileObjectStore(dir);
        byte[] bytes = "hello objects".getBytes();
        ObjectStore.StoredObject o = store.put("checkpoints/a/model.safetensors", new ByteArrayInputStream(bytes));
        assertEquals(bytes.length, o.size());
        assertEquals(HexFormat.of().formatHex(FileObjectStore.sha256().digest(bytes)), o.sha256());
        try (InputStream in = store.get("checkpoints/a/model.safetensors").orElseThrow()) {
            assertArrayEquals(bytes, in.readAllBytes());
        }
        assertEquals(bytes.length, store.size("checkpoints/a/model.safetensors").orElseThrow());
        store.delete("checkpoints/a/model.safetensors");
        assertTrue(store.get("checkpoints/a/model.safetensors").isEmpty());
        assertTrue(store.size("checkpoints/a/model.safetensors").isEmpty());
    }

    @Test
    void failedPutLeavesNothing() throws Exception {
        FileObjectStore store = new FileObjectStore(dir);
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
        try (var files = Files.walk(dir)) {
            assertEquals(0, files.filter(Files::isRegularFile).count());
        }
    }

    @Test
    void keysCannotEscapeTheRoot() throws Exception {
        FileObjectStore store = new FileObjectStore(dir);
        for (String bad : new String[] {"../etc/passwd", "/abs", "a/../../b", "a//b", "", "a\\b"}) {
            assertThrows(IllegalArgumentException.class, () -> store.get(bad), bad);
        }
    }
}
