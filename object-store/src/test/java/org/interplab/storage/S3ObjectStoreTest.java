package org.interplab.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** S3ObjectStore against a real S3Proxy (started by ./lab test or by {@link S3Proxy}). */
class S3ObjectStoreTest extends ObjectStoreContract {
    /** The smallest part S3 allows, so that multipart uploads stay small here. */
    static final int PART = S3ObjectStore.MIN_PART_SIZE;
    static S3ObjectStore store;

    @BeforeAll
    static void connect() throws IOException {
        // a fresh bucket per run: the store must create it
        store = new S3ObjectStore(S3Proxy.settings("test-" + UUID.randomUUID().toString().substring(0, 8)), PART);
    }

    @AfterAll
    static void close() {
        store.close();
    }

    @Override
    ObjectStore store() {
        return store;
    }

    @Test
    void multipartObjectRoundTripWithSha256() throws Exception {
        // 2.5 parts: three uploadPart requests, the last one short
        long length = PART * 5L / 2;
        ObjectStore.StoredObject o = store.put("big/object", generated(length, 42));
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        generated(length, 42).transferTo(new DigestOutputStream(OutputStream.nullOutputStream(), expected));
        assertEquals(length, o.size());
        assertEquals(hex(expected.digest()), o.sha256());
        assertEquals(length, store.size("big/object").orElseThrow());
        MessageDigest read = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(store.get("big/object").orElseThrow(), read)) {
            assertEquals(length, in.transferTo(OutputStream.nullOutputStream()));
        }
        assertEquals(o.sha256(), hex(read.digest()));
        store.delete("big/object");
    }

    @Test
    void exactlyOnePartIsStoredWhole() throws Exception {
        ObjectStore.StoredObject o = store.put("one/part", generated(PART, 7));
        assertEquals(PART, o.size());
        assertEquals(PART, store.size("one/part").orElseThrow());
        store.delete("one/part");
    }

    @Test
    void failedMultipartPutLeavesNothing() throws Exception {
        // fails in the second part, after the multipart upload began and one part was sent
        long failAt = PART + 1000L;
        InputStream broken = new InputStream() {
            final InputStream data = generated(10L * PART, 3);
            long n;

            @Override
            public int read() throws IOException {
                if (n++ >= failAt) {
                    throw new IOException("connection reset");
                }
                return data.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (n >= failAt) {
                    throw new IOException("connection reset");
                }
                int r = data.read(b, off, (int) Math.min(len, failAt - n));
                n += r;
                return r;
            }
        };
        assertThrows(IOException.class, () -> store.put("half/written", broken));
        assertTrue(store.get("half/written").isEmpty());
        assertTrue(store.size("half/written").isEmpty());
    }

    /** A deterministic pseudo-random stream of the given length (no whole-object array in the test either). */
    static InputStream generated(long length, long seed) {
        Random random = new Random(seed);
        return new InputStream() {
            long left = length;

            @Override
            public int read() {
                if (left <= 0) {
                    return -1;
                }
                left--;
                return random.nextInt(256);
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                byte[] chunk = new byte[n];
                random.nextBytes(chunk);
                System.arraycopy(chunk, 0, b, off, n);
                left -= n;
                return n;
            }
        };
    }

    static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
