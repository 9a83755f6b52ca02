package org.interplab.core.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N, N
 * bytes of JSON header {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}},
 * then the raw little-endian row-major tensor data; offsets are relative to the start of the data section.
 *
 * <p>Writing emits F32 or F64 according to each array's data type. Reading also accepts F16 and BF16 (converted to
 * float32, because imported Hugging Face models use them) and the integer/bool dtypes (kept as their ND4J type).
 */
public final class Safetensors {
    public static final String METADATA_KEY = "__metadata__";

    /** Header JSON larger than this is refused before parsing (the Python reader's limit is 100 MB). */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** Tensor data is converted to little-endian bytes and written in pieces of this size. */
    private static final int WRITE_CHUNK_BYTES = 1 << 20;

    private static final ObjectMapper HEADER_JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** The dtypes this reader knows, with their element size and the ND4J type they are read into. */
    enum Dtype {
        F64(8, DataType.DOUBLE), F32(4, DataType.FLOAT), F16(2, DataType.FLOAT), BF16(2, DataType.FLOAT),
        I64(8, DataType.LONG), I32(4, DataType.INT), I16(2, DataType.SHORT), I8(1, DataType.BYTE),
        U8(1, DataType.UBYTE), BOOL(1, DataType.BOOL);

        final int size;
        final DataType nd4jType;

        Dtype(int size, DataType nd4jType) {
            this.size = size;
            this.nd4jType = nd4jType;
        }

        static Dtype parse(String name) {
            for (Dtype d : values()) {
                if (d.name().equals(name)) {
                    return d;
                }
            }
            return null;
        }
    }

    private Safetensors() {
    }

    /**
     * Serialises tensors (in the map's iteration order) and string metadata (may be null or empty: no
     * {@code __metadata__} entry) to safetensors bytes.
     *
     * @throws IllegalArgumentException for a data type other than FLOAT/DOUBLE, a reserved or empty name, or a
     *                                  result larger than a Java array can hold
     */
    public static byte[] write(Map<String, INDArray> tensors, Map<String, String> metadata) {
        Layout layout = layout(tensors, metadata);
        if (layout.total() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("checkpoint of " + layout.total()
                    + " bytes is too large for one byte array");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) layout.total());
        try {
            write(layout, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /**
     * Streams the same bytes as {@link #write(Map, Map)} to {@code out} (not closed), one tensor at a time: for
     * checkpoints too large for one array. Returns the number of bytes written.
     */
    public static long write(Map<String, INDArray> tensors, Map<String, String> metadata, OutputStream out)
            throws IOException {
        Layout layout = layout(tensors, metadata);
        write(layout, out);
        return layout.total();
    }

    /** The header (padded to 8 bytes) and the tensors in file order. */
    private record Layout(byte[] header, int headerLength, List<INDArray> ordered, long total) {
    }

    private static Layout layout(Map<String, INDArray> tensors, Map<String, String> metadata) {
        ObjectNode header = HEADER_JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new IllegalArgumentException("metadata keys and values must not be null (key " + k + ")");
                }
                meta.put(k, v);
            });
        }
        List<INDArray> ordered = new ArrayList<>(tensors.size());
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            INDArray array = e.getValue();
            if (name == null || name.isEmpty() || METADATA_KEY.equals(name)) {
                throw new IllegalArgumentException("invalid tensor name '" + name + "'");
            }
            Dtype dtype = switch (array.dataType()) {
                case FLOAT -> Dtype.F32;
                case DOUBLE -> Dtype.F64;
                default -> throw new IllegalArgumentException(
                        "tensor '" + name + "' has data type " + array.dataType() + "; only FLOAT and DOUBLE are written");
            };
            long bytes = array.length() * dtype.size;
            ObjectNode entry = header.putObject(name);
            entry.put("dtype", dtype.name());
            ArrayNode shape = entry.putArray("shape");
            for (long dim : array.shape()) {
                shape.add(dim);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            ordered.add(array);
        }
        byte[] json;
        try {
            json = HEADER_JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise safetensors header", e);
        }
        int headerLength = (json.length + 7) / 8 * 8;
        return new Layout(json, headerLength, ordered, 8L + headerLength + offset);
    }

    private static void write(Layout layout, OutputStream out) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(WRITE_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        chunk.putLong(layout.headerLength());
        out.write(chunk.array(), 0, 8);
        out.write(layout.header());
        for (int i = layout.header().length; i < layout.headerLength(); i++) {
            out.write(' ');
        }
        for (INDArray array : layout.ordered()) {
            INDArray c = rowMajorDense(array);
            if (c.length() == 0) {
                continue;
            }
            int n = (int) c.length();
            boolean isFloat = c.dataType() == DataType.FLOAT;
            float[] floats = isFloat ? c.data().asFloat() : null;
            double[] doubles = isFloat ? null : c.data().asDouble();
            int perChunk = WRITE_CHUNK_BYTES / (isFloat ? 4 : 8);
            for (int from = 0; from < n; from += perChunk) {
                int count = Math.min(perChunk, n - from);
                chunk.clear();
                if (isFloat) {
                    chunk.asFloatBuffer().put(floats, from, count);
                    out.write(chunk.array(), 0, 4 * count);
                } else {
                    chunk.asDoubleBuffer().put(doubles, from, count);
                    out.write(chunk.array(), 0, 8 * count);
                }
            }
        }
    }

    private static INDArray rowMajorDense(INDArray array) {
        if (array.length() == 0) {
            return array;
        }
        boolean dense = array.ordering() == 'c' && !array.isView() && array.data().length() == array.length()
                && array.offset() == 0;
        return dense ? array : array.dup('c');
    }

    /** Parses safetensors bytes; every structural error is a {@link SafetensorsFormatException} saying what is wrong. */
    public static SafetensorsFile read(byte[] bytes) {
        if (bytes == null) {
            throw new SafetensorsFormatException("file is 0 bytes long, shorter than the 8-byte header length");
        }
        return read(ByteBuffer.wrap(bytes));
    }

    /**
     * Parses a safetensors file without reading it into one array (the file is memory-mapped; only the tensors are
     * materialised). Files up to 2 GB.
     */
    public static SafetensorsFile read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size > Integer.MAX_VALUE) {
                throw new SafetensorsFormatException("file is " + size + " bytes long; at most "
                        + Integer.MAX_VALUE + " bytes are read");
            }
            return read(channel.map(FileChannel.MapMode.READ_ONLY, 0, size));
        }
    }

    /** Parses safetensors bytes from position 0 to the limit of {@code buffer}. */
    public static SafetensorsFile read(ByteBuffer buffer) {
        int length = buffer.limit();
        if (length < 8) {
            throw new SafetensorsFormatException("file is " + length
                    + " bytes long, shorter than the 8-byte header length");
        }
        ByteBuffer in = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = in.getLong(0);
        long available = length - 8L;
        if (headerLength < 0 || headerLength > available) {
            throw new SafetensorsFormatException("header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the " + available + " bytes that follow the 8-byte length prefix");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsFormatException("header length " + headerLength + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        int dataStart = 8 + (int) headerLength;
        long dataLength = length - (long) dataStart;
        byte[] headerBytes = new byte[(int) headerLength];
        in.get(8, headerBytes);
        JsonNode header;
        try {
            header = HEADER_JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new SafetensorsFormatException("header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new SafetensorsFormatException("header must be a JSON object, found "
                    + (header == null ? "nothing" : header.getNodeType().toString().toLowerCase()));
        }

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = header.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (METADATA_KEY.equals(field.getKey())) {
                readMetadata(field.getValue(), metadata);
            } else {
                entries.add(parseEntry(field.getKey(), field.getValue()));
            }
        }
        checkLayout(entries, dataLength);

        LinkedHashMap<String, INDArray> tensors = new LinkedHashMap<>();
        for (Entry e : entries) {
            ByteBuffer slice = in.slice(dataStart + (int) e.begin, (int) (e.end - e.begin))
                    .order(ByteOrder.LITTLE_ENDIAN);
            tensors.put(e.name, decode(e, slice));
        }
        return new SafetensorsFile(tensors, metadata);
    }

    private record Entry(String name, Dtype dtype, long[] shape, long begin, long end) {
    }

    private static void readMetadata(JsonNode node, Map<String, String> into) {
        if (!node.isObject()) {
            throw new SafetensorsFormatException("__metadata__ must be a JSON object of strings, found "
                    + node.getNodeType().toString().toLowerCase());
        }
        node.fields().forEachRemaining(f -> {
            if (!f.getValue().isTextual()) {
                throw new SafetensorsFormatException("__metadata__ value of '" + f.getKey() + "' must be a string, found "
                        + f.getValue().getNodeType().toString().toLowerCase());
            }
            into.put(f.getKey(), f.getValue().textValue());
        });
    }

    private static Entry parseEntry(String name, JsonNode node) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw new SafetensorsFormatException(where + ": header entry must be an object with dtype, shape and "
                    + "data_offsets");
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new SafetensorsFormatException(where + ": missing or non-string dtype");
        }
        Dtype dtype = Dtype.parse(dtypeNode.textValue());
        if (dtype == null) {
            throw new SafetensorsFormatException(where + ": unknown dtype '" + dtypeNode.textValue()
                    + "'; supported: " + Arrays.toString(Dtype.values()));
        }
        long[] shape = nonNegativeLongs(node.get("shape"), where + ": shape", -1);
        long[] offsets = nonNegativeLongs(node.get("data_offsets"), where + ": data_offsets", 2);
        if (offsets[1] < offsets[0]) {
            throw new SafetensorsFormatException(where + ": data_offsets [" + offsets[0] + ", " + offsets[1]
                    + "] end before they begin");
        }
        long elements = 1;
        try {
            for (long dim : shape) {
                elements = Math.multiplyExact(elements, dim);
            }
            long needed = Math.multiplyExact(elements, dtype.size);
            if (needed != offsets[1] - offsets[0]) {
                throw new SafetensorsFormatException(where + ": shape " + Arrays.toString(shape) + " of " + dtype
                        + " needs " + needed + " bytes but data_offsets [" + offsets[0] + ", " + offsets[1]
                        + "] span " + (offsets[1] - offsets[0]));
            }
        } catch (ArithmeticException overflow) {
            throw new SafetensorsFormatException(where + ": shape " + Arrays.toString(shape) + " is too large");
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] nonNegativeLongs(JsonNode node, String what, int expectedLength) {
        if (node == null || !node.isArray()) {
            throw new SafetensorsFormatException(what + " is missing or not an array");
        }
        if (expectedLength >= 0 && node.size() != expectedLength) {
            throw new SafetensorsFormatException(what + " must have " + expectedLength + " entries, found "
                    + node.size());
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new SafetensorsFormatException(what + " must hold non-negative integers, found " + v);
            }
            values[i] = v.longValue();
        }
        return values;
    }

    /** Offsets must lie inside the data section, must not overlap, and (as the format requires) leave no holes. */
    private static void checkLayout(List<Entry> entries, long dataLength) {
        for (Entry e : entries) {
            if (e.end > dataLength) {
                throw new SafetensorsFormatException("tensor '" + e.name + "': data_offsets [" + e.begin + ", " + e.end
                        + "] lie outside the data section of " + dataLength + " bytes");
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin < covered) {
                throw new SafetensorsFormatException("tensors '" + previous.name + "' [" + previous.begin + ", "
                        + previous.end + "] and '" + e.name + "' [" + e.begin + ", " + e.end + "] overlap");
            }
            if (e.begin > covered) {
                throw new SafetensorsFormatException("bytes [" + covered + ", " + e.begin
                        + ") of the data section belong to no tensor (before '" + e.name + "')");
            }
            covered = e.end;
            previous = e;
        }
        if (covered != dataLength) {
            throw new SafetensorsFormatException("bytes [" + covered + ", " + dataLength
                    + ") at the end of the data section belong to no tensor");
        }
    }

    private static INDArray decode(Entry e, ByteBuffer data) {
        int n = (int) (e.dtype.size == 0 ? 0 : (e.end - e.begin) / e.dtype.size);
        if (n == 0) {
            return Nd4j.create(e.dtype.nd4jType, e.shape);
        }
        INDArray flat = switch (e.dtype) {
            case F32 -> {
                float[] v = new float[n];
                data.asFloatBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case F64 -> {
                double[] v = new double[n];
                data.asDoubleBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case F16 -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = halfToFloat(data.getShort(2 * i));
                }
                yield Nd4j.createFromArray(v);
            }
            case BF16 -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = Float.intBitsToFloat((data.getShort(2 * i) & 0xffff) << 16);
                }
                yield Nd4j.createFromArray(v);
            }
            case I64 -> {
                long[] v = new long[n];
                data.asLongBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case I32 -> {
                int[] v = new int[n];
                data.asIntBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case I16 -> {
                short[] v = new short[n];
                data.asShortBuffer().get(v);
                yield Nd4j.createFromArray(v);
            }
            case I8 -> {
                byte[] v = new byte[n];
                data.get(v);
                yield Nd4j.createFromArray(v);
            }
            case U8 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = data.get(i) & 0xff;
                }
                yield Nd4j.createFromArray(v).castTo(DataType.UBYTE);
            }
            case BOOL -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    v[i] = data.get(i) != 0;
                }
                yield Nd4j.createFromArray(v);
            }
        };
        return flat.reshape('c', e.shape);
    }

    /** IEEE 754 binary16 to binary32 (exact: every half value is a float). */
    public static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            if (mantissa == 0) {
                return Float.intBitsToFloat(sign);
            }
            float magnitude = mantissa * 0x1p-24f; // subnormal: mantissa × 2^-24
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
    }
}
