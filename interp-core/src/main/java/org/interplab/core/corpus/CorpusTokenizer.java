package org.interplab.core.corpus;

import java.io.BufferedOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.interplab.core.task.Rng;

/**
 * Tokenizes stories into two compact token streams, train and validation: uint16 little-endian GPT-2 token ids,
 * each story followed by {@link Gpt2Tokenizer#EOT}. The split is by story and deterministic: story i goes to
 * validation iff a hash of (seed, i) falls in a 1-in-{@value #VALIDATION_ONE_IN} bucket; if none did, the last
 * story does. Stories are written as they come (one story is held back to allow that), so memory stays small.
 */
public final class CorpusTokenizer implements AutoCloseable {
    public static final int VALIDATION_ONE_IN = 20;
    public static final int SAMPLE_COUNT = 3;
    public static final int SAMPLE_CHARS = 600;

    /** Counts of a tokenized corpus and a few sample stories (the first ones, cut at {@value #SAMPLE_CHARS} chars). */
    public record Summary(long stories, long trainStories, long validationStories, long trainTokens,
                          long validationTokens, List<String> samples) {
        public long tokens() {
            return trainTokens + validationTokens;
        }
    }

    /** Progress of a tokenizing job: {@code done} of {@code total} units (bytes or stories). */
    @FunctionalInterface
    public interface Progress {
        void update(long done, long total);
    }

    private final Gpt2Tokenizer tokenizer = Gpt2Tokenizer.get();
    private final long seed;
    private final OutputStream train;
    private final OutputStream validation;
    private final List<String> samples = new ArrayList<>();
    private long stories;
    private long trainStories;
    private long validationStories;
    private long trainTokens;
    private long validationTokens;
    private int[] heldBack;

    public CorpusTokenizer(long seed, OutputStream train, OutputStream validation) {
        this.seed = seed;
        this.train = new BufferedOutputStream(train, 1 << 16);
        this.validation = new BufferedOutputStream(validation, 1 << 16);
    }

    /** Whether story {@code index} (0-based, in file order) belongs to the validation split. */
    public static boolean isValidation(long seed, long index) {
        Rng r = new Rng(Rng.derive(seed, "corpus-split") ^ (index * 0xD1B54A32D192ED03L));
        return Math.floorMod(r.nextLong(), VALIDATION_ONE_IN) == 0;
    }

    /** Reads a .txt/.jsonl corpus and tokenizes it; progress is in bytes of {@code in} read of {@code totalBytes}. */
    public static Summary tokenize(InputStream in, long totalBytes, StoryReader.Format format, long seed,
                                   OutputStream train, OutputStream validation, Progress progress)
            throws IOException {
        CountingInputStream counted = new CountingInputStream(in);
        try (CorpusTokenizer t = new CorpusTokenizer(seed, train, validation)) {
            long[] lastReport = {0};
            StoryReader.read(counted, format, story -> {
                t.add(story);
                if (counted.count - lastReport[0] >= (1 << 20)) {
                    lastReport[0] = counted.count;
                    progress.update(counted.count, totalBytes);
                }
            });
            Summary s = t.finish();
            progress.update(totalBytes, totalBytes);
            return s;
        }
    }

    /** Tokenizes one story (without {@code <|endoftext|>}). */
    public void add(String story) throws IOException {
        int[] tokens = tokenizer.encode(story);
        if (samples.size() < SAMPLE_COUNT) {
            samples.add(story.length() <= SAMPLE_CHARS ? story : story.substring(0, SAMPLE_CHARS) + "…");
        }
        if (heldBack != null) {
            write(heldBack, isValidation(seed, stories - 1));
        }
        heldBack = tokens;
        stories++;
    }

    /** Writes the held-back last story and flushes; needs at least two stories (one per split). */
    public Summary finish() throws IOException {
        if (stories < 2) {
            throw new CorpusFormatException("a corpus needs at least 2 stories (one for training, one for "
                    + "validation), found " + stories);
        }
        boolean toValidation = validationStories == 0 || (trainStories > 0 && isValidation(seed, stories - 1));
        write(heldBack, toValidation);
        heldBack = null;
        train.flush();
        validation.flush();
        return new Summary(stories, trainStories, validationStories, trainTokens, validationTokens,
                List.copyOf(samples));
    }

    @Override
    public void close() throws IOException {
        train.flush();
        validation.flush();
    }

    private void write(int[] tokens, boolean toValidation) throws IOException {
        OutputStream out = toValidation ? validation : train;
        for (int id : tokens) {
            out.write(id & 0xff);
            out.write(id >>> 8);
        }
        out.write(Gpt2Tokenizer.EOT & 0xff);
        out.write(Gpt2Tokenizer.EOT >>> 8);
        if (toValidation) {
            validationStories++;
            validationTokens += tokens.length + 1;
        } else {
            trainStories++;
            trainTokens += tokens.length + 1;
        }
    }

    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(n, 0);
            return n;
        }
    }
}
