package org.interplab.core.checkpoint.hf;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A restricted reader of the pickle a {@code torch.save}d state dict is: it understands only the opcodes and globals
 * such a pickle needs and refuses everything else with the opcode or global named. Nothing is ever executed: the
 * allowed globals are data markers that this class interprets itself ({@code OrderedDict} becomes a map,
 * {@code _rebuild_tensor_v2} a {@link TensorRef}, a storage class a {@link StorageType}); no class is looked up or
 * instantiated from a name in the file.
 *
 * <p>Values: {@code None} → null, bool → Boolean, int → Long, float → Double, str → String, tuple → {@link Tuple},
 * list → ArrayList, dict / OrderedDict → LinkedHashMap, persistent id → {@link StorageRef}, tensor →
 * {@link TensorRef}.
 */
public final class TorchPickle {
    /** A pickled tuple (immutable; distinct from a list). */
    public record Tuple(List<Object> items) {
    }

    /** The storage classes torch writes in a persistent id, with their element size in bytes. */
    public enum StorageType {
        FLOAT("FloatStorage", 4), HALF("HalfStorage", 2), BFLOAT16("BFloat16Storage", 2), DOUBLE("DoubleStorage", 8),
        BOOL("BoolStorage", 1), BYTE("ByteStorage", 1), CHAR("CharStorage", 1), SHORT("ShortStorage", 2),
        INT("IntStorage", 4), LONG("LongStorage", 8);

        public final String className;
        public final int elementSize;

        StorageType(String className, int elementSize) {
            this.className = className;
            this.elementSize = elementSize;
        }

        public boolean isFloat() {
            return this == FLOAT || this == HALF || this == BFLOAT16 || this == DOUBLE;
        }
    }

    /** {@code ('storage', torch.<Type>Storage, key, location, numel)}: the zip entry {@code data/<key>}. */
    public record StorageRef(StorageType type, String key, String location, long numel) {
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, ...)}: a strided view of a storage. */
    public record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
        public long elements() {
            long n = 1;
            for (long s : size) {
                n *= s;
            }
            return n;
        }

        @Override
        public String toString() {
            return storage.type.className + " '" + storage.key + "' offset " + offset + " size "
                    + Arrays.toString(size) + " stride " + Arrays.toString(stride);
        }
    }

    /** An allowed global, resolved to what this reader does with it (never to a Java class or a Python callable). */
    private enum Allowed { ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_PARAMETER }

    private record GlobalRef(String module, String name, Allowed callable, StorageType storage) {
        String qualified() {
            return module + "." + name;
        }
    }

    private static final Map<String, GlobalRef> ALLOWED_GLOBALS = allowedGlobals();

    /** Global names this reader accepts, for error messages. */
    public static Set<String> allowedGlobalNames() {
        return new TreeSet<>(ALLOWED_GLOBALS.keySet());
    }

    private static Map<String, GlobalRef> allowedGlobals() {
        Map<String, GlobalRef> m = new LinkedHashMap<>();
        m.put("collections.OrderedDict", new GlobalRef("collections", "OrderedDict", Allowed.ORDERED_DICT, null));
        m.put("torch._utils._rebuild_tensor_v2",
                new GlobalRef("torch._utils", "_rebuild_tensor_v2", Allowed.REBUILD_TENSOR_V2, null));
        m.put("torch._utils._rebuild_parameter",
                new GlobalRef("torch._utils", "_rebuild_parameter", Allowed.REBUILD_PARAMETER, null));
        for (StorageType t : StorageType.values()) {
            m.put("torch." + t.className, new GlobalRef("torch", t.className, null, t));
        }
        return m;
    }

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private final byte[] data;
    private final ByteBuffer in;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int opcodeAt;

    private TorchPickle(byte[] data) {
        this.data = data;
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads one pickle that must end with STOP at its last byte.
     *
     * @throws HfFormatException naming the opcode, global or structural defect and its byte offset
     */
    public static Object read(byte[] pickle) {
        return new TorchPickle(pickle).run();
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) {
                throw fail("the pickle ends after " + data.length + " bytes without a STOP opcode (truncated)");
            }
            opcodeAt = in.position();
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int protocol = u8();
                    if (protocol < 2 || protocol > 5) {
                        throw fail("pickle protocol " + protocol + " is not supported (2 to 5)");
                    }
                }
                case 0x95 -> bytes(8); // FRAME: a length hint only
                case '.' -> { // STOP
                    Object result = pop();
                    if (!stack.isEmpty() || !marks.isEmpty()) {
                        throw fail("STOP leaves " + stack.size() + " values on the stack");
                    }
                    if (in.hasRemaining()) {
                        throw fail((data.length - in.position()) + " bytes of trailing garbage after the STOP opcode");
                    }
                    return result;
                }
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
                case '(' -> { // MARK
                    marks.add(stack.size());
                    push(MARK);
                }
                case 't' -> push(new Tuple(List.copyOf(popToMark()))); // TUPLE
                case 0x85 -> push(new Tuple(List.of(pop()))); // TUPLE1
                case 0x86 -> { // TUPLE2
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(Arrays.asList(a, b)));
                }
                case 0x87 -> { // TUPLE3
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(Arrays.asList(a, b, c)));
                }
                case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                case 'r' -> memo.put(u32(), peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'X' -> push(utf8(u32())); // BINUNICODE
                case 0x8c -> push(utf8(u8())); // SHORT_BINUNICODE
                case 'J' -> { // BININT
                    need(4);
                    push((long) in.getInt());
                }
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> { // BININT2
                    need(2);
                    push((long) (in.getShort() & 0xffff));
                }
                case 0x8a -> push(long1()); // LONG1
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'N' -> push(null); // NONE
                case 'a' -> { // APPEND
                    Object value = pop();
                    list(peek(), "APPEND").add(value);
                }
                case 'e' -> { // APPENDS
                    List<Object> values = popToMark();
                    list(peek(), "APPENDS").addAll(values);
                }
                case 's' -> { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    dict(peek(), "SETITEM").put(key, value);
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popToMark();
                    if (items.size() % 2 != 0) {
                        throw fail("SETITEMS with an odd number (" + items.size() + ") of keys and values");
                    }
                    Map<Object, Object> target = dict(peek(), "SETITEMS");
                    for (int i = 0; i < items.size(); i += 2) {
                        target.put(items.get(i), items.get(i + 1));
                    }
                }
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw fail("STACK_GLOBAL needs two strings, found " + describe(module) + " and "
                                + describe(name));
                    }
                    push(global(m, n));
                }
                case 'Q' -> push(persistentId(pop())); // BINPERSID
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    if (!(peek() instanceof Map)) {
                        throw fail("BUILD may only set the state of an OrderedDict, not of " + describe(peek()));
                    }
                    if (state != null && !(state instanceof Map) && !(state instanceof Tuple)) {
                        throw fail("BUILD state of an OrderedDict must be a dict, found " + describe(state));
                    }
                    // the state is the dict's attributes (torch's _metadata): not needed, ignored
                }
                default -> throw fail("pickle opcode 0x" + String.format("%02x", op)
                        + (op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : "")
                        + " is not allowed in a state dict");
            }
        }
    }

    private GlobalRef global(String module, String name) {
        GlobalRef ref = ALLOWED_GLOBALS.get(module + "." + name);
        if (ref == null) {
            throw fail("pickle global '" + module + "." + name + "' is not allowed (a state dict may reference only "
                    + allowedGlobalNames() + "); nothing in the file was executed");
        }
        return ref;
    }

    private Object reduce(Object callable, Object args) {
        if (!(callable instanceof GlobalRef g) || g.callable == null) {
            throw fail("REDUCE may only call " + Arrays.toString(Allowed.values()) + " globals, not "
                    + describe(callable));
        }
        if (!(args instanceof Tuple t)) {
            throw fail("REDUCE of " + g.qualified() + " needs an argument tuple, found " + describe(args));
        }
        List<Object> a = t.items;
        return switch (g.callable) {
            case ORDERED_DICT -> {
                if (!a.isEmpty()) {
                    throw fail("collections.OrderedDict is only rebuilt from no arguments, found " + a.size());
                }
                yield new LinkedHashMap<>();
            }
            case REBUILD_TENSOR_V2 -> rebuildTensor(a);
            case REBUILD_PARAMETER -> {
                if (a.size() < 1 || !(a.get(0) instanceof TensorRef tensor)) {
                    throw fail("torch._utils._rebuild_parameter needs a tensor as first argument");
                }
                yield tensor;
            }
        };
    }

    private TensorRef rebuildTensor(List<Object> a) {
        String what = "torch._utils._rebuild_tensor_v2";
        if (a.size() < 4) {
            throw fail(what + " needs (storage, storage_offset, size, stride, ...), found " + a.size() + " arguments");
        }
        if (!(a.get(0) instanceof StorageRef storage)) {
            throw fail(what + ": first argument must be a storage, found " + describe(a.get(0)));
        }
        long offset = nonNegative(a.get(1), what + ": storage_offset");
        long[] size = longs(a.get(2), what + ": size");
        long[] stride = longs(a.get(3), what + ": stride");
        if (size.length != stride.length) {
            throw fail(what + ": size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride)
                    + " differ in length");
        }
        return new TensorRef(storage, offset, size, stride);
    }

    private StorageRef persistentId(Object pid) {
        if (!(pid instanceof Tuple t) || t.items.size() != 5 || !"storage".equals(t.items.get(0))) {
            throw fail("persistent id must be ('storage', type, key, location, numel), found " + describe(pid));
        }
        List<Object> a = t.items;
        if (!(a.get(1) instanceof GlobalRef g) || g.storage == null) {
            throw fail("persistent id: storage type must be a torch storage class, found " + describe(a.get(1)));
        }
        if (!(a.get(2) instanceof String key) || key.isEmpty() || key.contains("/") || key.contains("..")) {
            throw fail("persistent id: storage key must be a plain name, found " + describe(a.get(2)));
        }
        String location = a.get(3) instanceof String s ? s : null;
        return new StorageRef(g.storage, key, location, nonNegative(a.get(4), "persistent id: numel"));
    }

    private long nonNegative(Object value, String what) {
        if (!(value instanceof Long v) || v < 0) {
            throw fail(what + " must be a non-negative integer, found " + describe(value));
        }
        return v;
    }

    private long[] longs(Object value, String what) {
        if (!(value instanceof Tuple t)) {
            throw fail(what + " must be a tuple of integers, found " + describe(value));
        }
        long[] out = new long[t.items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = nonNegative(t.items.get(i), what + "[" + i + "]");
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object target, String op) {
        if (target instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        throw fail(op + " needs a list, found " + describe(target));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object target, String op) {
        if (target instanceof LinkedHashMap<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw fail(op + " needs a dict, found " + describe(target));
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) {
            throw fail("memo entry " + index + " is read before it was written");
        }
        return memo.get(index);
    }

    private void push(Object value) {
        stack.add(value);
    }

    private Object pop() {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw fail("stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw fail("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popToMark() {
        if (marks.isEmpty()) {
            throw fail("no MARK on the stack");
        }
        int mark = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(mark + 1, stack.size()));
        stack.subList(mark, stack.size()).clear();
        return items;
    }

    private int u8() {
        need(1);
        return in.get() & 0xff;
    }

    private long u32() {
        need(4);
        return in.getInt() & 0xffffffffL;
    }

    private byte[] bytes(long n) {
        need(n);
        byte[] b = new byte[(int) n];
        in.get(b);
        return b;
    }

    private void need(long n) {
        if (n > in.remaining()) {
            throw fail("the pickle is truncated: an operand needs " + n + " bytes, " + in.remaining() + " remain");
        }
    }

    private String utf8(long length) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes(length))).toString();
        } catch (CharacterCodingException e) {
            throw fail("a string is not valid UTF-8");
        }
    }

    private Object long1() {
        int n = u8();
        if (n > 8) {
            throw fail("LONG1 of " + n + " bytes is larger than a 64-bit integer");
        }
        if (n == 0) {
            return 0L;
        }
        byte[] le = bytes(n);
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        return new BigInteger(be).longValue();
    }

    /** A GLOBAL operand: ASCII up to a newline, at most 256 bytes. */
    private String line() {
        int start = in.position();
        for (int i = start; i < data.length && i < start + 256; i++) {
            if (data[i] == '\n') {
                in.position(i + 1);
                return new String(data, start, i - start, StandardCharsets.US_ASCII);
            }
        }
        throw fail("GLOBAL operand is not a newline-terminated name");
    }

    private static String describe(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof GlobalRef g) {
            return "global " + g.qualified();
        }
        if (value instanceof Tuple t) {
            return "a tuple of " + t.items.size();
        }
        if (value instanceof String s) {
            return "'" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'";
        }
        if (value == MARK) {
            return "MARK";
        }
        return value.getClass().getSimpleName() + (value instanceof Number ? " " + value : "");
    }

    private HfFormatException fail(String message) {
        return new HfFormatException(message + " (at byte " + opcodeAt + " of data.pkl)");
    }
}
