package org.interplab.core.corpus;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The tokenized corpora a training process has in memory, by corpus id (a READY corpus never changes, so the id is
 * its identity). Where the tokens come from is the host's business: the trainer service installs a loader that
 * reads the split files from its object store. Without one, only {@link StoryGenerator#CORPUS_ID} is available,
 * generated in-process (unit tests, benchmarks).
 */
public final class TokenCorpora {
    private static final Map<String, TokenCorpus> CACHE = new ConcurrentHashMap<>();
    private static volatile Function<String, TokenCorpus> loader = TokenCorpora::generateBuiltin;

    private TokenCorpora() {
    }

    /** Where corpora not yet in memory come from; the function throws IllegalArgumentException for unknown ids. */
    public static void setLoader(Function<String, TokenCorpus> newLoader) {
        loader = newLoader;
    }

    /** Makes a corpus already in memory available under its id (replacing what was cached under it). */
    public static void put(TokenCorpus corpus) {
        CACHE.put(corpus.id(), corpus);
    }

    public static TokenCorpus get(String id) {
        return CACHE.computeIfAbsent(id, key -> loader.apply(key));
    }

    /** The built-in generated corpus, made in memory (a few seconds). */
    public static TokenCorpus generateBuiltin(String id) {
        if (!StoryGenerator.CORPUS_ID.equals(id)) {
            throw new IllegalArgumentException("unknown corpus '" + id + "'");
        }
        try {
            ByteArrayOutputStream train = new ByteArrayOutputStream(1 << 22);
            ByteArrayOutputStream validation = new ByteArrayOutputStream(1 << 18);
            new StoryGenerator(StoryGenerator.DEFAULT_SEED).tokenize(StoryGenerator.DEFAULT_STORIES, train,
                    validation, (done, total) -> { });
            return new TokenCorpus(id, TokenCorpus.readTokens(new java.io.ByteArrayInputStream(train.toByteArray())),
                    TokenCorpus.readTokens(new java.io.ByteArrayInputStream(validation.toByteArray())));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
