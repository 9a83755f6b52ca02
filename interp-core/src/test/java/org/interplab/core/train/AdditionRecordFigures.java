package org.interplab.core.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.SequenceTask;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Not a test (surefire's default includes skip it): the per-digit accuracy of an addition run's checkpoints on the
 * <em>whole</em> train split and the test split, for docs/reproductions.md's run of record. The trainer's own
 * {@code train_acc} is the accuracy of the step's batch (256 sums); the seed's 98.7 % is over the train set. Reads
 * {@code <dir>/<step>.safetensors} (downloaded with {@code GET /api/checkpoints/{id}/safetensors}):
 * {@code mvn -o -pl contracts,interp-core test -Dtest=AdditionRecordFigures -Dsurefire.failIfNoSpecifiedTests=false
 * -Daddition.checkpoints=DIR [-Daddition.seed=1]}.
 */
class AdditionRecordFigures {
    private static final int CHUNK = 1024;

    @Test
    void perDigitAccuracy() throws IOException {
        Path dir = Path.of(System.getProperty("addition.checkpoints", "target/addition-checkpoints"));
        long seed = Long.getLong("addition.seed", 1L);
        ExperimentSpec spec = Presets.expand("addition", seed, Json.MAPPER.readTree("{}"));
        SequenceTask task = SequenceTask.create(spec.task(), spec.seed());
        Transformer.Config cfg = Transformer.Config.of(spec.model());
        double stepsPerEpoch = task.train().size() / (double) spec.training().batchSize();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors"))
                    .sorted((a, b) -> Long.compare(step(a), step(b))).toList();
        }
        System.out.println("| step | epoch | train per-digit acc (all " + task.train().size()
                + ") | test per-digit acc (" + task.test().size() + ") | test per answer digit |");
        System.out.println("|---|---|---|---|---|");
        for (Path f : files) {
            Map<String, INDArray> w = Safetensors.read(f).tensors();
            Transformer model = new Transformer(cfg, w);
            TransformerProblem.Accuracy train = accuracy(model, task.train());
            TransformerProblem.Accuracy test = accuracy(model, task.test());
            System.out.printf("| %d | %.1f | %.4f | %.4f | %s |%n", step(f), step(f) / stepsPerEpoch, train.overall(),
                    test.overall(), test.perPosition("").values().stream().map(v -> String.format("%.4f", v)).toList());
        }
    }

    private static TransformerProblem.Accuracy accuracy(Transformer model, TokenBatch data) {
        int[] all = new int[data.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        TransformerProblem.Accuracy acc = new TransformerProblem.Accuracy(data.nCtx());
        for (int from = 0; from < all.length; from += CHUNK) {
            TokenBatch chunk = data.rows(all, from, Math.min(all.length, from + CHUNK));
            acc.add(model.loss(chunk).logits(), chunk);
        }
        return acc;
    }

    private static long step(Path p) {
        String n = p.getFileName().toString();
        return Long.parseLong(n.substring(0, n.indexOf('.')));
    }
}
