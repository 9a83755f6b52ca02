package org.interplab.core.neuroscope;

import java.util.ArrayList;
import java.util.List;

/**
 * A token stream of stories separated by the end-of-text token (the corpus split format), indexed by story: story
 * i is {@code stream[start(i) .. end(i))}, separators excluded. Empty stories (two separators in a row) are skipped.
 */
public final class Stories {
    public static final int EOT = 50256;
    private final int[] stream;
    private final int[] starts;
    private final int[] ends;

    public Stories(int[] stream) {
        this.stream = stream;
        List<int[]> spans = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= stream.length; i++) {
            if (i == stream.length || stream[i] == EOT) {
                if (i > start) {
                    spans.add(new int[] {start, i});
                }
                start = i + 1;
            }
        }
        starts = spans.stream().mapToInt(s -> s[0]).toArray();
        ends = spans.stream().mapToInt(s -> s[1]).toArray();
    }

    /** Decodes a uint16 little-endian token file (the corpus split format). */
    public static Stories fromUint16(byte[] bytes) {
        if (bytes.length % 2 != 0) {
            throw new IllegalArgumentException("token file length " + bytes.length + " is not a multiple of 2");
        }
        int[] tokens = new int[bytes.length / 2];
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = (bytes[2 * i] & 0xff) | (bytes[2 * i + 1] & 0xff) << 8;
        }
        return new Stories(tokens);
    }

    public int count() {
        return starts.length;
    }

    public int start(int story) {
        return starts[story];
    }

    public int end(int story) {
        return ends[story];
    }

    public int[] stream() {
        return stream;
    }

    /** Tokens in stories [from, to). */
    public long tokens(int from, int to) {
        long n = 0;
        for (int i = from; i < to; i++) {
            n += ends[i] - starts[i];
        }
        return n;
    }

    /** The smallest story count whose tokens reach {@code cap} (all stories when the cap is not reached). */
    public int storiesWithin(long cap) {
        long n = 0;
        for (int i = 0; i < starts.length; i++) {
            n += ends[i] - starts[i];
            if (n >= cap) {
                return i + 1;
            }
        }
        return starts.length;
    }
}
