package org.interplab.core.checkpoint.hf;

import static org.interplab.core.checkpoint.hf.GptNeoImportTest.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The restricted pickle reader: what a state dict needs is read, anything else is refused and never executed. */
class TorchPickleTest {
    /** The file the hostile fixtures' payloads would create (make_gpt_neo_fixtures.py HOSTILE_MARKER). */
    static final Path HOSTILE_MARKER = Path.of("/tmp/interplab-hostile-pickle-ran");

    @TempDir
    Path dir;

    @Test
    void aPickleCallingOsSystemIsRefusedAndNothingRuns() throws IOException {
        Files.deleteIfExists(HOSTILE_MARKER);
        HfFormatException e = assertThrows(HfFormatException.class,
                () -> TorchCheckpoint.read(fixture("hostile_system.bin"), n -> false));
        assertTrue(e.getMessage().contains("pickle global 'posix.system' is not allowed"), e.getMessage());
        assertFalse(Files.exists(HOSTILE_MARKER), "the payload ran");
        // the fixture really is hostile: its pickle holds the command
        assertTrue(new String(Files.readAllBytes(fixture("hostile_system.bin")), StandardCharsets.ISO_8859_1)
                .contains("touch " + HOSTILE_MARKER));
    }

    @Test
    void aPickleCallingBuiltinsEvalThroughStackGlobalIsRefusedAndNothingRuns() throws IOException {
        Files.deleteIfExists(HOSTILE_MARKER);
        HfFormatException e = assertThrows(HfFormatException.class,
                () -> GptNeoImport.read(fixture("hostile_eval.bin"), GptNeoImportTest.config()));
        assertTrue(e.getMessage().contains("pickle global 'builtins.eval' is not allowed"), e.getMessage());
        assertFalse(Files.exists(HOSTILE_MARKER), "the payload ran");
    }

    @Test
    void unknownOpcodesAreRefusedByName() {
        // PROTO 2, INT '1\n' (text protocol 0 opcode), STOP
        HfFormatException e = assertThrows(HfFormatException.class,
                () -> TorchPickle.read(new byte[] {(byte) 0x80, 2, 'I', '1', '\n', '.'}));
        assertTrue(e.getMessage().contains("opcode 0x49 ('I') is not allowed"), e.getMessage());
        // INST 'os\nsystem\n' would instantiate a class from a name
        e = assertThrows(HfFormatException.class, () -> TorchPickle.read(bytes("\u0080\u0002(ios\nsystem\n.")));
        assertTrue(e.getMessage().contains("opcode 0x69 ('i')"), e.getMessage());
    }

    @Test
    void allowedGlobalsAreOnlyCalledAsTheirDataMeaning() {
        // REDUCE on a storage class (a GLOBAL that is allowed as a type marker, but not callable)
        HfFormatException e = assertThrows(HfFormatException.class,
                () -> TorchPickle.read(bytes("\u0080\u0002ctorch\nFloatStorage\n)R.")));
        assertTrue(e.getMessage().contains("REDUCE may only call"), e.getMessage());
        // BUILD on a list
        e = assertThrows(HfFormatException.class, () -> TorchPickle.read(bytes("\u0080\u0002]}b.")));
        assertTrue(e.getMessage().contains("BUILD may only set the state of an OrderedDict"), e.getMessage());
        // OrderedDict with BUILD state (torch's _metadata) is read, the state ignored
        Object dict = TorchPickle.read(bytes("\u0080\u0002ccollections\nOrderedDict\n)R}X\u0001\u0000\u0000\u0000aK\u0007sb."));
        assertEquals(Map.of(), dict);
    }

    @Test
    void aStridedViewSavedWithProtocol4IsRebuilt() {
        Map<String, INDArray> t = TorchCheckpoint.read(fixture("tiny_protocol4.bin"), n -> false);
        // base = arange(13); w = base[1:].view(3, 4).t(): offset 1, size [4, 3], stride [1, 4]
        assertEquals(Nd4j.createFromArray(new float[][] {{1, 5, 9}, {2, 6, 10}, {3, 7, 11}, {4, 8, 12}}), t.get("w"));
        assertEquals(Nd4j.arange(13).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT), t.get("b"));
    }

    @Test
    void eachBrokenFileIsRefusedWithItsDefectNamed() {
        Map<String, String> defects = Map.of(
                "broken_truncated_storage.bin", "storage '0' of tensor 'w' is truncated: 6 elements of FloatStorage "
                        + "need 24 bytes, the entry holds 8",
                "broken_missing_storage.bin", "storage '0' of tensor 'w' is missing",
                "broken_trailing_garbage.bin", "3 bytes of trailing garbage after the STOP opcode",
                "broken_not_a_zip.bin", "not a zip archive");
        defects.forEach((file, defect) -> {
            HfFormatException e = assertThrows(HfFormatException.class,
                    () -> TorchCheckpoint.read(fixture(file), n -> false), file);
            assertTrue(e.getMessage().contains(defect), file + ": " + e.getMessage());
        });
    }

    @Test
    void aViewReachingPastItsStorageIsRefused() throws IOException {
        // {'w': _rebuild_tensor_v2(('storage', FloatStorage, '0', 'cpu', 2), 0, (3,), (1,), False, OrderedDict())}
        String pickle = "\u0080\u0002}X\u0001\u0000\u0000\u0000wctorch._utils\n_rebuild_tensor_v2\n"
                + "((X\u0007\u0000\u0000\u0000storagectorch\nFloatStorage\nX\u0001\u0000\u0000\u00000X\u0003\u0000\u0000"
                + "\u0000cpuK\u0002tQK\u0000K\u0003\u0085K\u0001\u0085\u0089ccollections\nOrderedDict\n)RtRs.";
        Path file = dir.resolve("short.bin");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            zip.putNextEntry(new ZipEntry("short/data.pkl"));
            zip.write(bytes(pickle));
            zip.putNextEntry(new ZipEntry("short/data/0"));
            zip.write(new byte[8]);
        }
        HfFormatException e = assertThrows(HfFormatException.class, () -> TorchCheckpoint.read(file, n -> false));
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("reaches element 2 but the "
                + "storage holds 2 elements"), e.getMessage());
    }

    @Test
    void aTruncatedPickleIsRefused() {
        HfFormatException e = assertThrows(HfFormatException.class,
                () -> TorchPickle.read(bytes("\u0080\u0002X\u0010\u0000\u0000\u0000abc")));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        e = assertThrows(HfFormatException.class, () -> TorchPickle.read(bytes("\u0080\u0002}")));
        assertTrue(e.getMessage().contains("without a STOP opcode"), e.getMessage());
    }

    @Test
    void theSkippedBuffersAreTheOnlyNonFloatTensorsOfTheFixture() {
        HfFormatException e = assertThrows(HfFormatException.class,
                () -> TorchCheckpoint.read(fixture("pytorch_model.bin"), n -> false));
        assertTrue(e.getMessage().contains("tensor 'transformer.h.0.attn.attention.bias' is a BoolStorage"),
                e.getMessage());
        Map<String, INDArray> all = TorchCheckpoint.read(fixture("pytorch_model.bin"), GptNeoImport::isBuffer);
        assertFalse(all.keySet().stream().anyMatch(GptNeoImport::isBuffer));
        assertTrue(all.containsKey("lm_head.weight"));
        assertEquals(List.of(40L, 16L), List.of(all.get("lm_head.weight").shape()[0], all.get("lm_head.weight").shape()[1]));
    }

    static byte[] bytes(String latin1) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (char c : latin1.toCharArray()) {
            out.write(c);
        }
        return out.toByteArray();
    }
}
