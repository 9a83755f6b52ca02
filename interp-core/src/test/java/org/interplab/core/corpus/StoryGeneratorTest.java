package org.interplab.core.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class StoryGeneratorTest {
    private static final Pattern ARTICLE = Pattern.compile("\\b([Aa]n?) ([A-Za-z]+)");

    @Test
    void articlesAgreeWithTheNextWord() {
        assertEquals("an apple", StoryGenerator.withArticle("apple"));
        assertEquals("a ball", StoryGenerator.withArticle("ball"));
        assertEquals("an old owl", StoryGenerator.withArticle("old owl"));
        assertEquals("a big apple", StoryGenerator.withArticle("big apple"));
        StoryGenerator g = new StoryGenerator(StoryGenerator.DEFAULT_SEED);
        int an = 0, a = 0;
        for (int i = 0; i < 2000; i++) {
            Matcher m = ARTICLE.matcher(g.story(i));
            while (m.find()) {
                boolean vowel = "aeiouAEIOU".indexOf(m.group(2).charAt(0)) >= 0;
                boolean isAn = m.group(1).equalsIgnoreCase("an");
                assertEquals(vowel, isAn, "story " + i + ": '" + m.group() + "'");
                an += isAn ? 1 : 0;
                a += isAn ? 0 : 1;
            }
        }
        assertTrue(an > 1000 && a > 1000, "both articles occur often: an " + an + ", a " + a);
    }

    @Test
    void storiesRepeatTheNameAndQuoteDialogue() {
        StoryGenerator g = new StoryGenerator(3);
        for (int i = 0; i < 200; i++) {
            String s = g.story(i);
            String name = s.startsWith("Once upon a time, there was")
                    ? s.replaceFirst("(?s).*? named (\\w+)\\..*", "$1") : null;
            if (name != null) {
                assertTrue(s.split("\\b" + name + "\\b").length > 3, "name repeats: " + s);
            }
            assertTrue(s.contains(" said, \""), s);
        }
    }

    @Test
    void theDefaultCorpusIsDeterministicAndLargeEnough() throws Exception {
        StoryGenerator g = new StoryGenerator(StoryGenerator.DEFAULT_SEED);
        java.io.ByteArrayOutputStream train = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream validation = new java.io.ByteArrayOutputStream();
        CorpusTokenizer.Summary s = g.tokenize(StoryGenerator.DEFAULT_STORIES, train, validation, (d, t) -> { });
        assertTrue(s.stories() >= 20_000, "stories " + s.stories());
        assertTrue(s.tokens() >= 2_000_000, "tokens " + s.tokens());
        assertEquals(2 * s.trainTokens(), train.size());
        assertEquals(g.story(123), new StoryGenerator(StoryGenerator.DEFAULT_SEED).story(123));
        assertNotEquals(g.story(123), new StoryGenerator(StoryGenerator.DEFAULT_SEED + 1).story(123));
        System.out.printf("builtin-stories: %d stories, %d tokens (train %d, validation %d)%n", s.stories(),
                s.tokens(), s.trainTokens(), s.validationTokens());
        java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream again = new java.io.ByteArrayOutputStream();
        new StoryGenerator(5).tokenize(2000, first, java.io.OutputStream.nullOutputStream(), (d, t) -> { });
        new StoryGenerator(5).tokenize(2000, again, java.io.OutputStream.nullOutputStream(), (d, t) -> { });
        assertTrue(java.util.Arrays.equals(first.toByteArray(), again.toByteArray()), "same seed, same tokens");
    }
}
