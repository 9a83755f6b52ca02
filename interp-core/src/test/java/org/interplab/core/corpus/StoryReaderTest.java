package org.interplab.core.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StoryReaderTest {

    static List<String> read(String content, StoryReader.Format format) throws IOException {
        List<String> stories = new ArrayList<>();
        StoryReader.read(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)), format, stories::add);
        return stories;
    }

    @Test
    void tinyStoriesTxtSeparatorOnItsOwnLineOrInline() throws IOException {
        String txt = "One day, Tom ran.\nHe was happy.\n<|endoftext|>\nLily saw an owl.\n<|endoftext|>\n\n"
                + "Ben sat.<|endoftext|>Mia sang.\n<|endoftext|>\n";
        assertEquals(List.of("One day, Tom ran.\nHe was happy.", "Lily saw an owl.", "Ben sat.", "Mia sang."),
                read(txt, StoryReader.Format.TXT));
        assertEquals(List.of("no separator at the end"), read("no separator at the end\n", StoryReader.Format.TXT));
    }

    @Test
    void jsonlTextOrStoryField() throws IOException {
        String jsonl = "{\"text\": \"Tom ran.\"}\n\n{\"story\": \"Lily saw an owl.\", \"id\": 3}\n";
        assertEquals(List.of("Tom ran.", "Lily saw an owl."), read(jsonl, StoryReader.Format.JSONL));
    }

    @Test
    void malformedJsonlNamesTheLine() {
        CorpusFormatException e = assertThrows(CorpusFormatException.class,
                () -> read("{\"text\": \"ok\"}\n{\"text\": \"broken\n", StoryReader.Format.JSONL));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().startsWith("line 2: malformed JSON"), e.getMessage());
        e = assertThrows(CorpusFormatException.class,
                () -> read("{\"text\": \"ok\"}\n{\"title\": \"x\"}\n", StoryReader.Format.JSONL));
        assertEquals("line 2: needs a string field \"text\" or \"story\"", e.getMessage());
        e = assertThrows(CorpusFormatException.class, () -> read("[1, 2]\n", StoryReader.Format.JSONL));
        assertEquals(1, e.line());
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] bad = {'a', 'b', '\n', (byte) 0xC3, (byte) 0x28, '\n'};
        CorpusFormatException e = assertThrows(CorpusFormatException.class, () -> StoryReader.read(
                new ByteArrayInputStream(bad), StoryReader.Format.TXT, s -> { }));
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
    }

    @Test
    void formatFromFileName() {
        assertEquals(StoryReader.Format.TXT, StoryReader.Format.ofFileName("TinyStories-valid.txt"));
        assertEquals(StoryReader.Format.JSONL, StoryReader.Format.ofFileName("data.JSONL"));
        assertEquals(null, StoryReader.Format.ofFileName("model.bin"));
    }
}
