package org.interplab.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SafetensorsTest {

    @Test
    void headerFollowsTheSpec() throws Exception {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("embed.W_E", Nd4j.createFromArray(new float[][] {{1, 2, 3}, {4, 5, 6}}));
        tensors.put("b_U", Nd4j.createFromArray(new double[] {0.5, -1, 2, 7}));
        byte[] bytes = Safetensors.write(tensors, Map.of("step", "12"));

        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong(0);
        assertEquals(0, n % 8, "header length is a multiple of 8");
        assertEquals(8 + n + 6 * 4 + 4 * 8, bytes.length);
        String headerText = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(headerText.startsWith("{"));
        String trailing = headerText.substring(headerText.lastIndexOf('}') + 1);
        assertTrue(trailing.chars().allMatch(c -> c == ' '), "padding is spaces only");

        JsonNode header = new ObjectMapper().readTree(headerText);
        List<String> keys = new ArrayList<>();
        header.fieldNames().forEachRemaining(keys::add);
        assertEquals(List.of("__metadata__", "embed.W_E", "b_U"), keys);
        assertEquals("12", header.get("__metadata__").get("step").textValue());
        JsonNode we = header.get("embed.W_E");
        assertEquals("F32", we.get("dtype").textValue());
        assertEquals("[2,3]", we.get("shape").toString());
        assertEquals("[0,24]", we.get("data_offsets").toString());
        JsonNode bu = header.get("b_U");
        assertEquals("F64", bu.get("dtype").textValue());
        assertEquals("[4]", bu.get("shape").toString());
        assertEquals("[24,56]", bu.get("data_offsets").toString());

        int data = 8 + (int) n;
        for (int i = 0; i < 6; i++) {
            assertEquals(i + 1f, buf.getFloat(data + 4 * i), "row-major little-endian float " + i);
        }
        assertEquals(-1.0, buf.getDouble(data + 24 + 8));
        assertEquals(7.0, buf.getDouble(data + 24 + 24));
    }

    @Test
    void roundTripIsBitForBit() {
        Random random = new Random(7);
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        tensors.put("blocks.0.attn.W_Q", Nd4j.rand(DataType.FLOAT, 3, 5, 4).subi(0.5));
        tensors.put("double", Nd4j.randn(DataType.DOUBLE, 7, 2));
        tensors.put("scalar", Nd4j.scalar(random.nextFloat()));
        // A transposed view: not row-major in memory, must still be written row-major.
        INDArray base = Nd4j.rand(DataType.FLOAT, 4, 6);
        tensors.put("transposed", base.transpose());
        tensors.put("specials", Nd4j.createFromArray(Float.NaN, Float.NEGATIVE_INFINITY, -0.0f, Float.MIN_VALUE));
        Map<String, String> meta = Map.of("format", "interplab/1", "unicode", "λ → ✓");

        SafetensorsFile file = Safetensors.read(Safetensors.write(tensors, meta));

        assertEquals(new ArrayList<>(tensors.keySet()), new ArrayList<>(file.tensors().keySet()));
        assertEquals(meta, file.metadata());
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray expected = e.getValue();
            INDArray actual = file.tensors().get(e.getKey());
            assertArrayEquals(expected.shape(), actual.shape(), e.getKey());
            assertEquals(expected.dataType(), actual.dataType(), e.getKey());
            if (expected.dataType() == DataType.FLOAT) {
                assertArrayEquals(bits(expected.dup('c').data().asFloat()), bits(actual.dup('c').data().asFloat()),
                        e.getKey());
            } else {
                assertArrayEquals(bits(expected.dup('c').data().asDouble()), bits(actual.dup('c').data().asDouble()),
                        e.getKey());
            }
        }
        assertEquals(base.getFloat(1, 2), file.tensors().get("transposed").getFloat(2, 1));
    }

    @Test
    void emptyMetadataIsOmittedAndNonFloatTypesAreRefused() {
        byte[] bytes = Safetensors.write(Map.of("x", Nd4j.ones(DataType.FLOAT, 2)), Map.of());
        String header = new String(bytes, 8, (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(),
                StandardCharsets.UTF_8);
        assertTrue(!header.contains("__metadata__"), header);
        assertTrue(Safetensors.read(bytes).metadata().isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(Map.of("ids", Nd4j.createFromArray(1, 2, 3)), null));
        assertTrue(e.getMessage().contains("'ids'") && e.getMessage().contains("INT"), e.getMessage());
    }

    /** A file assembled byte by byte, as another writer might produce it: unpadded, out-of-order offsets, F16/BF16. */
    @Test
    void readsAFileBuiltByHand() {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[10,26]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2,1],\"data_offsets\":[6,10]},"
                + "\"ids\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[26,34]},"
                + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[34,34]},"
                + "\"__metadata__\":{\"k\":\"v\"}}";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        writeLe(out, json.length, 8);
        out.writeBytes(json);
        writeLe(out, 0x3C00, 2);        // F16 1.0
        writeLe(out, 0xC000, 2);        // F16 -2.0
        writeLe(out, 0x3555, 2);        // F16 0.333251953125
        writeLe(out, 0x3F80, 2);        // BF16 1.0
        writeLe(out, 0xC0A0, 2);        // BF16 -5.0
        for (float f : new float[] {1f, -2f, 0.5f, 3.25f}) {
            writeLe(out, Float.floatToIntBits(f), 4);
        }
        writeLe(out, 42, 8);            // I64 scalar

        SafetensorsFile file = Safetensors.read(out.toByteArray());

        assertEquals(List.of("w", "h", "bf", "ids", "empty"), new ArrayList<>(file.tensors().keySet()));
        assertArrayEquals(new long[] {0, 3}, file.tensors().get("empty").shape());
        assertEquals(Map.of("k", "v"), file.metadata());
        INDArray w = file.tensors().get("w");
        assertArrayEquals(new long[] {2, 2}, w.shape());
        assertEquals(-2f, w.getFloat(0, 1));
        assertEquals(0.5f, w.getFloat(1, 0));
        assertEquals(3.25f, w.getFloat(1, 1));
        INDArray h = file.tensors().get("h");
        assertEquals(DataType.FLOAT, h.dataType());
        assertArrayEquals(new float[] {1f, -2f, 0.333251953125f}, h.toFloatVector());
        INDArray bf = file.tensors().get("bf");
        assertArrayEquals(new long[] {2, 1}, bf.shape());
        assertEquals(DataType.FLOAT, bf.dataType());
        assertEquals(-5f, bf.getFloat(1, 0));
        INDArray ids = file.tensors().get("ids");
        assertEquals(0, ids.rank());
        assertEquals(42L, ids.getLong(0));
    }

    @Test
    void halfPrecisionConversionCoversSpecialValues() {
        assertEquals(65504f, Safetensors.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, Safetensors.halfToFloat((short) 0x0001));
        assertEquals(-0x1p-14f, Safetensors.halfToFloat((short) 0x8400));
        assertEquals(Float.POSITIVE_INFINITY, Safetensors.halfToFloat((short) 0x7C00));
        assertTrue(Float.isNaN(Safetensors.halfToFloat((short) 0x7E00)));
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(Safetensors.halfToFloat((short) 0x8000)));
    }

    @Test
    void rejectsAShortFile() {
        assertMessage(new byte[5], "file is 5 bytes long, shorter than the 8-byte header length");
    }

    @Test
    void rejectsAHeaderLengthBeyondTheFile() {
        assertMessage(file(1000, "{}", 0), "header length 1000 exceeds the 2 bytes that follow the 8-byte length prefix");
        assertMessage(file(-1, "{}", 0), "header length 18446744073709551615 exceeds");
    }

    @Test
    void rejectsBadJson() {
        assertMessage(file("{\"a\": {", 0), "header is not valid JSON");
        assertMessage(file("[1, 2]", 0), "header must be a JSON object, found array");
        assertMessage(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8), "Duplicate field 'a'");
        assertMessage(file("{\"__metadata__\":{\"step\":3}}", 0), "__metadata__ value of 'step' must be a string");
        assertMessage(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4),
                "tensor 'a': shape must hold non-negative integers, found -1");
        assertMessage(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4),
                "tensor 'a': data_offsets is missing or not an array");
    }

    @Test
    void rejectsOffsetsOutsideTheData() {
        assertMessage(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4),
                "tensor 'a': data_offsets [0, 8] lie outside the data section of 4 bytes");
    }

    @Test
    void rejectsOverlappingOffsets() {
        assertMessage(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
    }

    @Test
    void rejectsHolesInTheData() {
        assertMessage(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                "bytes [0, 4) of the data section belong to no tensor (before 'a')");
        assertMessage(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8),
                "bytes [4, 8) at the end of the data section belong to no tensor");
    }

    @Test
    void rejectsShapeThatDisagreesWithTheByteRange() {
        assertMessage(file("{\"a\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[0,24]}}", 24),
                "tensor 'a': shape [2, 3] of F64 needs 48 bytes but data_offsets [0, 24] span 24");
    }

    @Test
    void rejectsUnknownDtype() {
        assertMessage(file("{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4),
                "tensor 'a': unknown dtype 'F8_E4M3'; supported: [F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL]");
    }

    private static void assertMessage(byte[] bytes, String expected) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(bytes));
        assertTrue(e.getMessage().contains(expected), "expected «" + expected + "» in «" + e.getMessage() + "»");
    }

    private static byte[] file(String header, int dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    private static byte[] file(long declaredLength, String header, int dataBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writeLe(out, declaredLength, 8);
        out.writeBytes(header.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    private static void writeLe(ByteArrayOutputStream out, long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            out.write((int) (value >>> (8 * i)) & 0xff);
        }
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    private static long[] bits(double[] v) {
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToRawLongBits(v[i]);
        }
        return b;
    }
}
