package org.interplab.core.checkpoint.hf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.checkpoint.hf.TorchPickle.StorageRef;
import org.interplab.core.checkpoint.hf.TorchPickle.StorageType;
import org.interplab.core.checkpoint.hf.TorchPickle.TensorRef;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@code torch.save}d state dict ({@code pytorch_model.bin}): a zip holding {@code <name>/data.pkl}, the pickle
 * read by {@link TorchPickle}, and {@code <name>/data/<key>}, each storage's raw little-endian elements. Tensors are
 * rebuilt from (storage, offset, size, stride) — following the strides, so views and tensors sharing a storage (a
 * tied {@code lm_head.weight}) come out right — and converted to float32.
 */
public final class TorchCheckpoint {
    /** A state dict's pickle is small (names and shapes); larger ones are refused before they are read. */
    static final long MAX_PICKLE_BYTES = 64L << 20;

    private TorchCheckpoint() {
    }

    /**
     * Reads every tensor of the state dict whose name {@code skip} does not match, as float32 arrays in the
     * dict's order.
     *
     * @throws HfFormatException naming the defect: not a zip, no data.pkl, a refused opcode or global, a missing or
     *                           short storage, a value that is not a tensor, a storage that is not floating-point
     */
    public static LinkedHashMap<String, INDArray> read(Path file, Predicate<String> skip) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = archivePrefix(zip);
            Map<String, TensorRef> dict = stateDict(TorchPickle.read(readEntry(zip, zip.getEntry(prefix + "data.pkl"),
                    MAX_PICKLE_BYTES, "data.pkl")));
            Map<String, float[]> storages = new HashMap<>();
            Map<String, StorageType> storageTypes = new HashMap<>();
            LinkedHashMap<String, INDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, TensorRef> e : dict.entrySet()) {
                if (skip.test(e.getKey())) {
                    continue;
                }
                String name = e.getKey();
                TensorRef t = e.getValue();
                StorageRef s = t.storage();
                if (!s.type().isFloat()) {
                    throw new HfFormatException("tensor '" + name + "' is a " + s.type().className
                            + "; only float32, float16, bfloat16 and float64 tensors are imported");
                }
                StorageType seen = storageTypes.putIfAbsent(s.key(), s.type());
                if (seen != null && seen != s.type()) {
                    throw new HfFormatException("storage '" + s.key() + "' is read as " + seen.className + " and as "
                            + s.type().className + " (tensor '" + name + "')");
                }
                checkBounds(name, t);
                float[] values = storages.get(s.key());
                if (values == null) {
                    values = readStorage(zip, prefix, name, s);
                    storages.put(s.key(), values);
                }
                tensors.put(name, gather(values, t));
            }
            return tensors;
        } catch (ZipException e) {
            throw new HfFormatException("not a zip archive as torch.save writes it (" + e.getMessage()
                    + "); the file may be truncated, or saved in torch's legacy non-zip format", e);
        } catch (IOException e) {
            throw new HfFormatException("cannot read the zip archive: " + e.getMessage(), e);
        }
    }

    /** The single top-level folder holding data.pkl ("archive/" in torch 2, the file's stem in torch 1.x). */
    private static String archivePrefix(ZipFile zip) {
        List<String> pickles = new ArrayList<>();
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String name = entries.nextElement().getName();
            if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                pickles.add(name);
            }
        }
        if (pickles.size() != 1) {
            throw new HfFormatException("the zip must hold exactly one <name>/data.pkl (torch.save's layout), found "
                    + (pickles.isEmpty() ? "none" : pickles));
        }
        return pickles.get(0).substring(0, pickles.get(0).length() - "data.pkl".length());
    }

    private static Map<String, TensorRef> stateDict(Object root) {
        if (!(root instanceof Map<?, ?> map)) {
            throw new HfFormatException("the pickle holds " + (root == null ? "None" : root.getClass().getSimpleName())
                    + ", not a state dict (a dict of tensors)");
        }
        Map<String, TensorRef> dict = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new HfFormatException("state dict key " + e.getKey() + " is not a string");
            }
            if (!(e.getValue() instanceof TensorRef t)) {
                throw new HfFormatException("state dict entry '" + name + "' is "
                        + (e.getValue() == null ? "None" : "a " + e.getValue().getClass().getSimpleName())
                        + ", not a tensor");
            }
            dict.put(name, t);
        }
        return dict;
    }

    /** The largest element the view reaches must lie inside the storage's numel. */
    private static void checkBounds(String name, TensorRef t) {
        long last = t.offset();
        try {
            for (int d = 0; d < t.size().length; d++) {
                if (t.size()[d] == 0) {
                    return;
                }
                last = Math.addExact(last, Math.multiplyExact(t.size()[d] - 1, t.stride()[d]));
            }
            Math.multiplyExact(t.elements(), 4L);
        } catch (ArithmeticException overflow) {
            throw new HfFormatException("tensor '" + name + "': " + t + " is too large");
        }
        if (last >= t.storage().numel()) {
            throw new HfFormatException("tensor '" + name + "': " + t + " reaches element " + last + " but the storage"
                    + " holds " + t.storage().numel() + " elements");
        }
        if (t.elements() > Integer.MAX_VALUE - 16) {
            throw new HfFormatException("tensor '" + name + "' has " + t.elements() + " elements, more than one array "
                    + "can hold");
        }
    }

    private static float[] readStorage(ZipFile zip, String prefix, String tensor, StorageRef s) throws IOException {
        String entryName = prefix + "data/" + s.key();
        ZipEntry entry = zip.getEntry(entryName);
        if (entry == null) {
            throw new HfFormatException("storage '" + s.key() + "' of tensor '" + tensor + "' is missing: the zip has "
                    + "no entry " + entryName);
        }
        long needed = s.numel() * s.type().elementSize;
        if (needed > Integer.MAX_VALUE - 16) {
            throw new HfFormatException("storage '" + s.key() + "' of " + needed + " bytes is larger than one array");
        }
        byte[] bytes = readEntry(zip, entry, needed, entryName);
        if (bytes.length < needed) {
            throw new HfFormatException("storage '" + s.key() + "' of tensor '" + tensor + "' is truncated: "
                    + s.numel() + " elements of " + s.type().className + " need " + needed + " bytes, the entry "
                    + "holds " + bytes.length);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) s.numel();
        float[] out = new float[n];
        switch (s.type()) {
            case FLOAT -> in.asFloatBuffer().get(out);
            case DOUBLE -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) in.getDouble(8 * i);
                }
            }
            case HALF -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Safetensors.halfToFloat(in.getShort(2 * i));
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((in.getShort(2 * i) & 0xffff) << 16);
                }
            }
            default -> throw new IllegalStateException("not a float storage: " + s.type());
        }
        return out;
    }

    /** Up to {@code limit} bytes of an entry (a longer pickle is refused; a longer storage is read up to its need). */
    private static byte[] readEntry(ZipFile zip, ZipEntry entry, long limit, String what) throws IOException {
        if (entry == null) {
            throw new HfFormatException("the zip has no entry " + what);
        }
        try (InputStream in = zip.getInputStream(entry)) {
            byte[] bytes = in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 16));
            if (what.equals("data.pkl") && in.read() >= 0) {
                throw new HfFormatException("data.pkl is larger than " + limit + " bytes");
            }
            return bytes;
        }
    }

    /** The strided view as a dense row-major float32 array. */
    private static INDArray gather(float[] storage, TensorRef t) {
        long[] size = t.size();
        int n = (int) t.elements();
        float[] out = new float[n];
        if (n > 0) {
            int rank = size.length;
            long[] index = new long[rank];
            long at = t.offset();
            for (int i = 0; i < n; i++) {
                out[i] = storage[(int) at];
                for (int d = rank - 1; d >= 0; d--) {
                    index[d]++;
                    at += t.stride()[d];
                    if (index[d] < size[d]) {
                        break;
                    }
                    at -= index[d] * t.stride()[d];
                    index[d] = 0;
                }
            }
        }
        return Nd4j.create(out, Arrays.copyOf(size, size.length), 'c');
    }
}
