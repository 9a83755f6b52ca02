package org.interplab.contracts.events;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Events are signed by the service that writes them: an HMAC-SHA256, keyed by the lab's event key (the service
 * credential unless {@code lab.events.key} is set), over the event's kind (its {@link Topics} name, so a signed
 * progress event cannot pass as a checkpoint) and the exact payload, carried in the Kafka header {@link #HEADER}.
 * A consumer with a key refuses an event whose header is missing or wrong, so someone who can write to the broker
 * but does not hold the key cannot have a run trained or a model recorded. The check needs no other service to be
 * up, and a signed event stays valid through restarts (the key is configuration) and replays (consumers are
 * idempotent).
 */
public final class EventSignature {
    /** Kafka record header holding the hex HMAC. */
    public static final String HEADER = "lab-signature";

    private EventSignature() {
    }

    /** Hex HMAC-SHA256 of {@code kind + "\n" + payload} under {@code key}. */
    public static String sign(String key, String kind, String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update(kind.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '\n');
            return HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** True when {@code signature} is the HMAC of this kind and payload (constant-time comparison). */
    public static boolean verify(String key, String kind, String payload, String signature) {
        if (signature == null || payload == null) {
            return false;
        }
        return MessageDigest.isEqual(sign(key, kind, payload).getBytes(StandardCharsets.US_ASCII),
                signature.getBytes(StandardCharsets.US_ASCII));
    }

    /** The key to sign and check with: {@code lab.events.key} when set, else the service credential; none: off. */
    public static Optional<String> key(Optional<String> eventsKey, Optional<String> serviceToken) {
        return eventsKey.filter(k -> !k.isBlank()).or(() -> serviceToken.filter(t -> !t.isBlank()));
    }

    /**
     * Refuses (IllegalArgumentException, so the record goes to the consumer's dead-letter topic with this reason)
     * an event whose signature header is missing or wrong, when a key is configured.
     */
    public static void check(Optional<String> key, String kind, String payload, byte[] header) {
        if (key.isEmpty()) {
            return;
        }
        String signature = header == null ? null : new String(header, StandardCharsets.US_ASCII);
        if (!verify(key.get(), kind, payload, signature)) {
            throw new IllegalArgumentException("forged or unsigned " + kind + " event refused: "
                    + (signature == null ? "no " + HEADER + " header" : HEADER + " does not match"));
        }
    }
}
