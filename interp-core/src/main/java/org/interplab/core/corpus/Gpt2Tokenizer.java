package org.interplab.core.corpus;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2 byte-pair encoding ({@code r50k_base}, the tokenizer of GPT-Neo and the TinyStories models): 50257 tokens,
 * {@code <|endoftext|>} = 50256. jtokkit refuses special tokens inside text, so the literal {@code <|endoftext|>}
 * is split off here and the pieces between are encoded as ordinary text.
 */
public final class Gpt2Tokenizer {
    public static final int EOT = 50256;
    public static final int VOCAB = 50257;
    public static final String EOT_TEXT = "<|endoftext|>";

    private static final Gpt2Tokenizer INSTANCE = new Gpt2Tokenizer();

    private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);

    private Gpt2Tokenizer() {
    }

    public static Gpt2Tokenizer get() {
        return INSTANCE;
    }

    /** Token ids of {@code text}; each literal {@code <|endoftext|>} becomes {@link #EOT}. */
    public int[] encode(String text) {
        IntArrayList out = new IntArrayList();
        int from = 0;
        while (true) {
            int at = text.indexOf(EOT_TEXT, from);
            String piece = text.substring(from, at < 0 ? text.length() : at);
            if (!piece.isEmpty()) {
                IntArrayList ids = encoding.encodeOrdinary(piece);
                for (int i = 0; i < ids.size(); i++) {
                    out.add(ids.get(i));
                }
            }
            if (at < 0) {
                return out.toArray();
            }
            out.add(EOT);
            from = at + EOT_TEXT.length();
        }
    }

    /** Text of the token ids ({@link #EOT} reads as {@code <|endoftext|>}); bytes are joined before UTF-8 decoding. */
    public String decode(int[] tokens) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        IntArrayList run = new IntArrayList();
        for (int id : tokens) {
            if (id < 0 || id >= VOCAB) {
                throw new IllegalArgumentException("token id " + id + " is outside the GPT-2 vocabulary [0, " + VOCAB
                        + ")");
            }
            if (id == EOT) {
                flush(run, bytes);
                bytes.writeBytes(EOT_TEXT.getBytes(StandardCharsets.UTF_8));
            } else {
                run.add(id);
            }
        }
        flush(run, bytes);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Display text of one token, e.g. {@code " an"} (a token that is part of a multi-byte character shows as �). */
    public String tokenString(int id) {
        return decode(new int[] {id});
    }

    private void flush(IntArrayList run, ByteArrayOutputStream bytes) {
        if (!run.isEmpty()) {
            bytes.writeBytes(encoding.decodeBytes(run));
            run.clear();
        }
    }
}
