package org.interplab.core.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CorpusTokenizerTest {

    record Result(CorpusTokenizer.Summary summary, char[] train, char[] validation, List<long[]> progress) {
    }

    static Result tokenize(String txt, long seed) throws IOException {
        byte[] bytes = txt.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream train = new ByteArrayOutputStream();
        ByteArrayOutputStream validation = new ByteArrayOutputStream();
        List<long[]> progress = new ArrayList<>();
        CorpusTokenizer.Summary s = CorpusTokenizer.tokenize(new ByteArrayInputStream(bytes), bytes.length,
                StoryReader.Format.TXT, seed, train, validation, (done, total) -> progress.add(new long[] {done, total}));
        return new Result(s, TokenCorpus.readTokens(new ByteArrayInputStream(train.toByteArray())),
                TokenCorpus.readTokens(new ByteArrayInputStream(validation.toByteArray())), progress);
    }

    static String stories(int n) {
        StringBuilder sb = new StringBuilder();
        StoryGenerator g = new StoryGenerator(7);
        for (int i = 0; i < n; i++) {
            sb.append(g.story(i)).append("\n<|endoftext|>\n");
        }
        return sb.toString();
    }

    @Test
    void splitsByStoryDeterministicallyAndCountsEverything() throws IOException {
        String txt = stories(200);
        Result a = tokenize(txt, 11);
        Result b = tokenize(txt, 11);
        assertArrayEquals(a.train(), b.train());
        assertArrayEquals(a.validation(), b.validation());
        CorpusTokenizer.Summary s = a.summary();
        assertEquals(200, s.stories());
        assertEquals(200, s.trainStories() + s.validationStories());
        assertTrue(s.validationStories() >= 3 && s.validationStories() <= 25, "about 5%: " + s.validationStories());
        assertEquals(a.train().length, s.trainTokens());
        assertEquals(a.validation().length, s.validationTokens());
        assertEquals(s.trainStories(), count(a.train(), Gpt2Tokenizer.EOT));
        assertEquals(s.validationStories(), count(a.validation(), Gpt2Tokenizer.EOT));
        // each split is exactly the encoded stories the split function assigns to it, in order
        StoryGenerator g = new StoryGenerator(7);
        StringBuilder expectedValidation = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            if (CorpusTokenizer.isValidation(11, i)) {
                expectedValidation.append(g.story(i)).append("<|endoftext|>");
            }
        }
        assertEquals(expectedValidation.toString(), decode(a.validation()));
        assertEquals(3, s.samples().size());
        assertEquals(g.story(0), s.samples().get(0));
        long[] last = a.progress().get(a.progress().size() - 1);
        assertEquals(last[1], last[0]);
        assertEquals(txt.getBytes(StandardCharsets.UTF_8).length, last[1]);
        // another seed, another split
        assertTrue(!java.util.Arrays.equals(a.validation(), tokenize(txt, 12).validation()));
    }

    @Test
    void atLeastOneValidationStoryAndTwoStoriesNeeded() throws IOException {
        Result r = tokenize("Tom ran.\n<|endoftext|>\nMia sat.\n", 1);
        assertEquals(1, r.summary().validationStories());
        assertEquals(1, r.summary().trainStories());
        CorpusFormatException e = assertThrows(CorpusFormatException.class, () -> tokenize("Only one.\n", 1));
        assertTrue(e.getMessage().contains("at least 2 stories"), e.getMessage());
    }

    static long count(char[] tokens, int id) {
        long n = 0;
        for (char t : tokens) {
            n += t == id ? 1 : 0;
        }
        return n;
    }

    static String decode(char[] tokens) {
        int[] ids = new int[tokens.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = tokens[i];
        }
        return Gpt2Tokenizer.get().decode(ids);
    }
}
