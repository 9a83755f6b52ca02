package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.interplab.contracts.spec.TaskShapes;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.core.circuits.SkipTrigramGap.Example;
import org.interplab.core.circuits.SkipTrigramGap.Result;
import org.junit.jupiter.api.Test;

class SkipTrigramGapTest {
    private final TaskShapes.Shape xor = TaskShapes.of(TaskSpec.of("xor"));

    @Test
    void xorStringsAreSeed003s() {
        List<String> strings = new ArrayList<>();
        for (Example e : SkipTrigramGap.xorExamples(xor)) {
            StringBuilder s = new StringBuilder();
            for (int t : e.tokens()) {
                s.append(xor.inputTokens().get(t));
            }
            strings.add(s + xor.outputTokens().get(e.target()));
        }
        assertEquals(List.of("ACQT", "ADQF", "BCQF", "BDQT"), strings);
    }

    @Test
    void noSkipTrigramEnsembleBeatsChanceOnXor() {
        Result result = SkipTrigramGap.fit(SkipTrigramGap.xorExamples(xor), 5, 2);
        assertTrue(result.accuracy() <= 0.5, "accuracy " + result.accuracy());
        assertEquals(0.5, result.meanCorrectProbability(), 1e-6);
        assertEquals(Math.log(2), result.loss(), 1e-6);
    }

    @Test
    void aSkipTrigramTaskIsLearnedPerfectly() {
        // Same strings, but the answer is T exactly when the first token is A: one skip-trigram solves it.
        List<Example> firstTokenTask = new ArrayList<>();
        for (Example e : SkipTrigramGap.xorExamples(xor)) {
            firstTokenTask.add(new Example(e.tokens(), e.tokens()[0] == 0 ? 0 : 1));
        }
        Result result = SkipTrigramGap.fit(firstTokenTask, 5, 2);
        assertEquals(1.0, result.accuracy());
        assertTrue(result.meanCorrectProbability() > 0.95, "p " + result.meanCorrectProbability());
    }
}
