package org.interplab.core.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.interplab.contracts.spec.TaskSpec;
import org.junit.jupiter.api.Test;

class TasksTest {

    @Test
    void xorIsSeed003sFourStrings() {
        TokenBatch all = new XorTask().train();
        String letters = "ABCDQ";
        String outs = "TF";
        Set<String> strings = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            StringBuilder s = new StringBuilder();
            for (int tok : all.tokens()[i]) {
                s.append(letters.charAt(tok));
            }
            s.append(outs.charAt(all.targets()[i][2]));
            strings.add(s.toString());
            assertEquals(TokenBatch.NO_LOSS, all.targets()[i][0]);
            assertEquals(TokenBatch.NO_LOSS, all.targets()[i][1]);
        }
        assertEquals(Set.of("ACQT", "ADQF", "BCQF", "BDQT"), strings);
    }

    @Test
    void ovCoherentSequencesFollowTheSeeds() {
        TaskSpec spec = new TaskSpec("ov-coherent", 6, null, 500, 200, null, null, null, null);
        OvCoherentTask task = new OvCoherentTask(spec, 3);
        Set<String> train = new HashSet<>();
        int[] labelCounts = new int[10];
        for (int i = 0; i < task.train().size(); i++) {
            int[] seq = task.train().tokens()[i];
            train.add(Arrays.toString(seq));
            assertEquals(OvCoherentTask.READOFF, seq[5]);
            int[] signals = Arrays.stream(seq, 0, 5).filter(t -> t >= 1 && t <= 4).toArray();
            assertEquals(2, signals.length, Arrays.toString(seq));
            assertTrue(Arrays.stream(seq, 0, 5).allMatch(t -> t >= 1 && t <= 11));
            int label = task.train().targets()[i][5];
            assertEquals(OvCoherentTask.pairIndex(signals[0], signals[1]), label);
            labelCounts[label]++;
        }
        for (int[] seq : task.test().tokens()) {
            assertTrue(!train.contains(Arrays.toString(seq)), "test sequence also in train");
        }
        // {a,a} is drawn half as often as {a,b}: 4 equal pairs of 16 ordered draws
        int equal = labelCounts[0] + labelCounts[4] + labelCounts[7] + labelCounts[9];
        assertEquals(0.25, equal / 500.0, 0.06);
        assertEquals(0, OvCoherentTask.pairIndex(1, 1));
        assertEquals(1, OvCoherentTask.pairIndex(2, 1));
        assertEquals(8, OvCoherentTask.pairIndex(3, 4));
        assertEquals(9, OvCoherentTask.pairIndex(4, 4));
        // deterministic from the seed, different for another seed
        assertArrayEquals(task.train().tokens(), new OvCoherentTask(spec, 3).train().tokens());
        assertNotEquals(Arrays.deepToString(task.train().tokens()),
                Arrays.deepToString(new OvCoherentTask(spec, 4).train().tokens()));
        assertThrows(IllegalArgumentException.class, () -> new OvCoherentTask(
                new TaskSpec("ov-coherent", 3, null, 100, 100, null, null, null, null), 1));
    }

    @Test
    void additionMatchesSeed001sLayout() {
        // "4321008765002196000" is 1234 + 5678 = 6912, LSB first
        assertEquals("4321008765002196000", join(AdditionTask.encode(1234, 5678, 6)));
        assertEquals("5444445555550000001", join(AdditionTask.encode(444445, 555555, 6)));
        assertEquals("9006982803141909031", join(AdditionTask.encode(896009, 413082, 6)));
        TaskSpec spec = new TaskSpec("addition", null, 2, 3000, 500, null, null, null, null);
        AdditionTask task = new AdditionTask(spec, 9);
        assertEquals(7, task.train().nCtx());
        Set<String> train = new HashSet<>();
        for (int i = 0; i < task.train().size(); i++) {
            int[] seq = task.train().tokens()[i];
            int[] y = task.train().targets()[i];
            train.add(Arrays.toString(seq));
            long a = seq[0] + 10L * seq[1];
            long b = seq[2] + 10L * seq[3];
            long sum = a + b;
            // the logits at 3, 4, 5 predict the three answer digits
            assertEquals(sum % 10, y[3]);
            assertEquals(sum / 10 % 10, y[4]);
            assertEquals(sum / 100, y[5]);
            assertEquals(TokenBatch.NO_LOSS, y[0]);
            assertEquals(TokenBatch.NO_LOSS, y[2]);
            assertEquals(TokenBatch.NO_LOSS, y[6]);
        }
        assertEquals(3000, train.size(), "training pairs are distinct");
        for (int[] seq : task.test().tokens()) {
            assertTrue(!train.contains(Arrays.toString(seq)), "test pair also in train");
        }
    }

    @Test
    void rngStateResumesTheSameStream() {
        Rng a = new Rng(17);
        a.nextLong();
        Rng b = new Rng(a.state());
        for (int i = 0; i < 5; i++) {
            assertEquals(a.nextLong(), b.nextLong());
        }
        double mean = 0;
        for (int i = 0; i < 20000; i++) {
            mean += a.nextGaussian() / 20000;
        }
        assertEquals(0, mean, 0.03);
    }

    private static String join(int[] tokens) {
        StringBuilder s = new StringBuilder();
        for (int t : tokens) {
            s.append(AdditionTask.VOCAB.charAt(t));
        }
        return s.toString();
    }
}
