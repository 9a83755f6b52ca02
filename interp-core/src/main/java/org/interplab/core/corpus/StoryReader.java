package org.interplab.core.corpus;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads stories one at a time from a corpus file, line by line (never the whole file in memory):
 * <ul>
 *   <li>{@link Format#TXT}: TinyStories format, stories separated by {@code <|endoftext|>} (usually on its own
 *       line, also accepted inside a line);</li>
 *   <li>{@link Format#JSONL}: one JSON object per line with the story in {@code text} or {@code story}; blank lines
 *       are skipped.</li>
 * </ul>
 * Stories are trimmed; empty ones are skipped. Text must be UTF-8.
 */
public final class StoryReader {
    /** Longest story accepted, in characters: a guard against a file with no separators at all. */
    public static final int MAX_STORY_CHARS = 1 << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Format {
        TXT, JSONL;

        /** The format a file name implies ({@code .txt} or {@code .jsonl}), or null. */
        public static Format ofFileName(String name) {
            String lower = name == null ? "" : name.toLowerCase(Locale.ROOT);
            return lower.endsWith(".txt") ? TXT : lower.endsWith(".jsonl") ? JSONL : null;
        }
    }

    @FunctionalInterface
    public interface StoryHandler {
        void story(String text) throws IOException;
    }

    private StoryReader() {
    }

    /** Hands every story of {@code in} to {@code handler}, in file order. */
    public static void read(InputStream in, Format format, StoryHandler handler) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)),
                1 << 16);
        long lineNo = 0;
        try {
            if (format == Format.JSONL) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lineNo++;
                    if (!line.isBlank()) {
                        emit(jsonStory(line, lineNo), handler);
                    }
                }
                return;
            }
            StringBuilder story = new StringBuilder();
            long storyStart = 1;
            String line;
            while ((line = reader.readLine()) != null) {
                lineNo++;
                int from = 0;
                int at;
                while ((at = line.indexOf(Gpt2Tokenizer.EOT_TEXT, from)) >= 0) {
                    story.append(line, from, at);
                    emit(story.toString(), handler);
                    story.setLength(0);
                    storyStart = lineNo;
                    from = at + Gpt2Tokenizer.EOT_TEXT.length();
                }
                story.append(line, from, line.length()).append('\n');
                if (story.length() > MAX_STORY_CHARS) {
                    throw new CorpusFormatException(storyStart, "the story starting here is longer than "
                            + MAX_STORY_CHARS + " characters; are stories separated by " + Gpt2Tokenizer.EOT_TEXT
                            + "?");
                }
            }
            emit(story.toString(), handler);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new CorpusFormatException(lineNo + 1, "is not valid UTF-8 text");
        }
    }

    private static String jsonStory(String line, long lineNo) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new CorpusFormatException(lineNo, "malformed JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new CorpusFormatException(lineNo, "expected a JSON object with a \"text\" or \"story\" field");
        }
        JsonNode text = node.has("text") ? node.get("text") : node.get("story");
        if (text == null || !text.isTextual()) {
            throw new CorpusFormatException(lineNo, "needs a string field \"text\" or \"story\"");
        }
        return text.asText();
    }

    private static void emit(String story, StoryHandler handler) throws IOException {
        String trimmed = story.strip();
        if (!trimmed.isEmpty()) {
            handler.story(trimmed);
        }
    }
}
