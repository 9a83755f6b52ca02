package org.interplab.core.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class Gpt2TokenizerTest {
    private final Gpt2Tokenizer tok = Gpt2Tokenizer.get();

    @Test
    void knownGpt2Ids() {
        // GPT-2's own ids: "Hello" 15496, " world" 995, "Once" 7454, " upon" 2402, " a" 257, " time" 640
        assertArrayEquals(new int[] {15496, 995}, tok.encode("Hello world"));
        assertArrayEquals(new int[] {7454, 2402, 257, 640}, tok.encode("Once upon a time"));
    }

    @Test
    void endOfTextIsOneTokenAndSplitsThePieces() {
        int[] ids = tok.encode("The end.<|endoftext|>Once upon a time");
        int[] left = tok.encode("The end.");
        int[] right = tok.encode("Once upon a time");
        assertEquals(left.length + 1 + right.length, ids.length);
        assertEquals(Gpt2Tokenizer.EOT, ids[left.length]);
        assertArrayEquals(new int[] {Gpt2Tokenizer.EOT, Gpt2Tokenizer.EOT}, tok.encode("<|endoftext|><|endoftext|>"));
        assertEquals("The end.<|endoftext|>Once upon a time", tok.decode(ids));
    }

    @Test
    void roundTripIncludingMultiByteCharacters() {
        String text = "Lily saw an owl. \"Hi!\" she said — café, naïve, 😀.\n\nThe end.";
        assertEquals(text, tok.decode(tok.encode(text)));
    }

    @Test
    void articleAnIsOneToken() {
        int[] ids = tok.encode(" an");
        assertEquals(1, ids.length);
        assertEquals(" an", tok.tokenString(ids[0]));
        assertEquals("<|endoftext|>", tok.tokenString(Gpt2Tokenizer.EOT));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {Gpt2Tokenizer.VOCAB}));
    }
}
