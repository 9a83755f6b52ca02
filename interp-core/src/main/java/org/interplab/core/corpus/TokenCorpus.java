package org.interplab.core.corpus;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * A tokenized corpus in memory: the train and validation token streams as {@code char[]} (uint16 GPT-2 ids; 2 M
 * tokens are 4 MB), each story followed by {@link Gpt2Tokenizer#EOT}.
 */
public record TokenCorpus(String id, char[] train, char[] validation) {

    /** Reads a uint16 little-endian token stream to its end. */
    public static char[] readTokens(InputStream in) throws IOException {
        InputStream buffered = new BufferedInputStream(in, 1 << 16);
        char[] tokens = new char[1 << 16];
        int n = 0;
        int lo;
        while ((lo = buffered.read()) >= 0) {
            int hi = buffered.read();
            if (hi < 0) {
                throw new IOException("token stream has an odd number of bytes");
            }
            if (n == tokens.length) {
                tokens = Arrays.copyOf(tokens, tokens.length * 2);
            }
            tokens[n++] = (char) (lo | (hi << 8));
        }
        return Arrays.copyOf(tokens, n);
    }
}
