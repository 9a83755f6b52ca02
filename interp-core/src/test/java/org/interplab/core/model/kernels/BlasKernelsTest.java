package org.interplab.core.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BlasKernels}: the core type per instruction set (infra/lib.sh's rule), cpuinfo parsing, the warning. */
class BlasKernelsTest {
    private static final Set<String> EMERALD_RAPIDS = Set.of("sse3", "avx", "avx2", "fma", "avx512f", "avx512bw",
            "avx512dq", "avx512vl", "avx512_vnni");

    @Test
    void coreTypeFollowsTheInstructionSets() {
        assertEquals("SkylakeX", BlasKernels.recommended(EMERALD_RAPIDS));
        assertEquals("Haswell", BlasKernels.recommended(Set.of("sse3", "avx", "avx2", "fma")));
        // AVX-512 without BW/VL (Knights Landing) gets the AVX2 kernels; no AVX2, no choice
        assertEquals("Haswell", BlasKernels.recommended(Set.of("avx2", "fma", "avx512f", "avx512er")));
        assertNull(BlasKernels.recommended(Set.of("sse3", "avx")));
        assertNull(BlasKernels.recommended(Set.of()));
    }

    @Test
    void readsTheFirstProcessorsFlags(@TempDir Path dir) throws Exception {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, "processor\t: 0\nmodel\t\t: 207\nflags\t\t: fpu sse3 avx2 fma avx512f\n\n"
                + "processor\t: 1\nflags\t\t: fpu\n");
        assertEquals(Set.of("fpu", "sse3", "avx2", "fma", "avx512f"), BlasKernels.cpuFlags(cpuinfo));
        assertEquals(Set.of(), BlasKernels.cpuFlags(dir.resolve("missing")));
    }

    @Test
    void warnsWhenAnAvx512CpuIsHeldToTheAvx2Kernels() {
        String w = BlasKernels.warning("Haswell", EMERALD_RAPIDS).orElseThrow();
        assertTrue(w.contains("OPENBLAS_CORETYPE=Haswell") && w.contains("OPENBLAS_CORETYPE=SkylakeX"), w);
        assertTrue(BlasKernels.warning("Haswell", Set.of("avx2", "fma")).isEmpty()); // the right kernels for AVX2
    }

    @Test
    void warnsOnlyWhenUnsetOnAVectorCpu() {
        String w = BlasKernels.warning(null, EMERALD_RAPIDS).orElseThrow();
        assertTrue(w.contains("OPENBLAS_CORETYPE=SkylakeX") && w.contains("AVX-512"), w);
        assertTrue(BlasKernels.warning(" ", Set.of("avx2", "fma")).orElseThrow().contains("=Haswell"));
        assertTrue(BlasKernels.warning("SkylakeX", EMERALD_RAPIDS).isEmpty());
        assertTrue(BlasKernels.warning(null, Set.of("sse3")).isEmpty());
    }
}
