package org.interplab.trainer.corpus;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.core.corpus.CorpusTokenizer;
import org.interplab.core.corpus.StoryGenerator;
import org.interplab.core.corpus.StoryReader;
import org.interplab.core.corpus.TokenCorpora;
import org.interplab.core.corpus.TokenCorpus;
import org.interplab.storage.ObjectStore;

/**
 * Tokenizes corpora: one worker thread claims QUEUED (or stale TOKENIZING) rows of the corpus table, tokenizes the
 * source into two temporary token files and stores them in the object store under {@code corpora/<id>/}. At start
 * it registers the built-in generated corpus ({@value StoryGenerator#CORPUS_ID}) and tells the training code how
 * to load a corpus's tokens (from the object store, waiting while the corpus is still being tokenized).
 */
@ApplicationScoped
public class CorpusTokenizing {
    public static final String KIND_BUILTIN = "builtin";
    public static final String KIND_UPLOAD = "upload";
    public static final String KIND_PATH = "path";

    @Inject
    CorpusStore corpora;
    @Inject
    ObjectStore objects;
    @ConfigProperty(name = "lab.corpora.stale-after", defaultValue = "60s")
    Duration staleAfter;
    @ConfigProperty(name = "lab.corpora.poll-interval", defaultValue = "1s")
    Duration pollInterval;
    @ConfigProperty(name = "lab.corpora.wait-for-ready", defaultValue = "15m")
    Duration waitForReady;

    private volatile boolean running;
    private Thread worker;

    void onStart(@Observes StartupEvent startup) {
        if (corpora.register(StoryGenerator.CORPUS_ID, StoryGenerator.CORPUS_NAME, KIND_BUILTIN, "generated",
                StoryGenerator.DEFAULT_STORIES + " stories", StoryGenerator.DEFAULT_SEED)) {
            Log.infof("registered corpus %s", StoryGenerator.CORPUS_ID);
        } else {
            requeueIfObjectsLost(StoryGenerator.CORPUS_ID);
        }
        TokenCorpora.setLoader(this::load);
        running = true;
        String workerId = ManagementFactory.getRuntimeMXBean().getName() + "/corpus/"
                + UUID.randomUUID().toString().substring(0, 8);
        worker = new Thread(() -> loop(workerId), "corpus-tokenizer");
        worker.setDaemon(true);
        worker.start();
    }

    void onStop(@Observes ShutdownEvent shutdown) {
        running = false;
        if (worker != null) {
            worker.interrupt();
        }
    }

    private void loop(String workerId) {
        while (running) {
            try {
                var next = corpora.claimNext(workerId, staleAfter);
                if (next.isPresent()) {
                    tokenize(next.get(), workerId);
                } else {
                    Thread.sleep(pollInterval.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                Log.error("corpus worker loop error; retrying", e);
                try {
                    Thread.sleep(pollInterval.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void tokenize(CorpusRow corpus, String workerId) {
        long started = System.nanoTime();
        Path train = null;
        Path validation = null;
        try {
            train = Files.createTempFile("corpus-train-", ".u16");
            validation = Files.createTempFile("corpus-validation-", ".u16");
            CorpusTokenizer.Summary summary;
            long[] lastBeat = {0};
            CorpusTokenizer.Progress progress = (done, total) -> {
                long now = System.currentTimeMillis();
                if (now - lastBeat[0] >= 500 || done == total) {
                    lastBeat[0] = now;
                    corpora.heartbeat(corpus.id(), workerId, total == 0 ? 0 : Math.min(0.99, done / (double) total));
                }
            };
            try (OutputStream t = Files.newOutputStream(train); OutputStream v = Files.newOutputStream(validation)) {
                summary = switch (corpus.sourceKind()) {
                    case KIND_BUILTIN -> new StoryGenerator(corpus.splitSeed())
                            .tokenize(StoryGenerator.DEFAULT_STORIES, t, v, progress);
                    case KIND_UPLOAD -> {
                        long size = objects.size(corpus.sourceRef()).orElseThrow(() ->
                                new IllegalStateException("uploaded source " + corpus.sourceRef() + " is missing"));
                        try (InputStream in = objects.get(corpus.sourceRef()).orElseThrow()) {
                            yield CorpusTokenizer.tokenize(in, size, format(corpus), corpus.splitSeed(), t, v,
                                    progress);
                        }
                    }
                    case KIND_PATH -> {
                        Path source = Path.of(corpus.sourceRef());
                        try (InputStream in = Files.newInputStream(source)) {
                            yield CorpusTokenizer.tokenize(in, Files.size(source), format(corpus),
                                    corpus.splitSeed(), t, v, progress);
                        }
                    }
                    default -> throw new IllegalStateException("unknown source kind " + corpus.sourceKind());
                };
            }
            ObjectStore.StoredObject trainObject = put(splitKey(corpus.id(), "train"), train);
            ObjectStore.StoredObject validationObject = put(splitKey(corpus.id(), "validation"), validation);
            if (!corpora.ready(corpus.id(), workerId, summary, trainObject, validationObject)) {
                Log.warnf("corpus %s was taken over by another worker", corpus.id());
                return;
            }
            Log.infof("corpus %s READY: %d stories, %d tokens (train %d, validation %d) in %.1f s", corpus.id(),
                    summary.stories(), summary.tokens(), summary.trainTokens(), summary.validationTokens(),
                    (System.nanoTime() - started) / 1e9);
        } catch (IOException | RuntimeException e) {
            Log.errorf(e, "corpus %s failed", corpus.id());
            corpora.failed(corpus.id(), workerId, e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            deleteQuietly(train);
            deleteQuietly(validation);
        }
    }

    /** The object key of a split file. */
    public static String splitKey(String corpusId, String split) {
        return "corpora/" + corpusId + "/" + split + ".u16";
    }

    private static StoryReader.Format format(CorpusRow corpus) {
        return StoryReader.Format.valueOf(corpus.sourceFormat().toUpperCase(java.util.Locale.ROOT));
    }

    /**
     * A READY corpus whose token files are not in the object store (the lab was pointed at a new, empty store) is
     * tokenized again from its source rather than failing every run that reads it.
     */
    private void requeueIfObjectsLost(String id) {
        corpora.find(id).filter(c -> "READY".equals(c.status())).ifPresent(c -> {
            try {
                if (c.trainKey() == null || objects.size(c.trainKey()).isEmpty()
                        || c.validationKey() == null || objects.size(c.validationKey()).isEmpty()) {
                    Log.warnf("corpus %s is READY but its token files are not in %s: tokenizing it again", id,
                            objects.describe());
                    corpora.requeue(id);
                }
            } catch (IOException e) {
                Log.warnf("cannot check corpus %s in %s: %s", id, objects.describe(), e);
            }
        });
    }

    private ObjectStore.StoredObject put(String key, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return objects.put(key, in);
        }
    }

    /** The tokens of a READY corpus, read from the object store; waits while it is queued or tokenizing. */
    TokenCorpus load(String id) {
        long deadline = System.currentTimeMillis() + waitForReady.toMillis();
        while (true) {
            CorpusRow row = corpora.find(id).orElseThrow(() -> new IllegalArgumentException("unknown corpus '" + id
                    + "'"));
            switch (row.status()) {
                case "READY" -> {
                    try {
                        return new TokenCorpus(id, readSplit(row.trainKey()), readSplit(row.validationKey()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                case "FAILED" -> throw new IllegalArgumentException("corpus '" + id + "' failed: " + row.error());
                default -> {
                    if (System.currentTimeMillis() > deadline) {
                        throw new IllegalStateException("corpus '" + id + "' is still " + row.status());
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted while waiting for corpus " + id);
                    }
                }
            }
        }
    }

    private char[] readSplit(String key) throws IOException {
        try (InputStream in = objects.get(key).orElseThrow(() -> new IOException("object " + key + " is missing"))) {
            return TokenCorpus.readTokens(in);
        }
    }

    private static void deleteQuietly(Path file) {
        if (file != null) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                Log.debugf("could not delete %s", file);
            }
        }
    }
}
