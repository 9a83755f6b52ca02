package org.interplab.core.model.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Which kernels ND4J's OpenBLAS runs, as far as a service can tell and fix it. OpenBLAS (0.3.19 in ND4J 1.0.0-M2.1)
 * picks its kernels by CPU model, once, when the library loads, and falls back to its generic Prescott (SSE3) kernels
 * on models newer than it knows: on an Emerald Rapids Xeon (family 6, model 207) SGEMM 1024³ ran at 31 GFLOP/s on one
 * core against 140 with {@code OPENBLAS_CORETYPE=SkylakeX} (docs/benchmarks.md). A JVM cannot set its own
 * environment before the library loads, so the lab's launch scripts set it ({@code infra/lib.sh openblas_coretype},
 * by instruction set); this class only reports it and warns when a process was started without it on a CPU whose
 * vector units OpenBLAS may then leave unused.
 */
public final class BlasKernels {
    private BlasKernels() {
    }

    /** One line for a service's start-up log: the forced core type, or that OpenBLAS chose by CPU model. */
    public static String describe() {
        String forced = System.getenv("OPENBLAS_CORETYPE");
        return forced == null || forced.isBlank() ? "OpenBLAS kernels chosen by CPU model (OPENBLAS_CORETYPE unset)"
                : "OpenBLAS kernels forced to " + forced + " (OPENBLAS_CORETYPE)";
    }

    /**
     * A warning when OPENBLAS_CORETYPE is unset on a CPU with AVX2 (see the class comment), or set to Haswell on one
     * with AVX-512 (a machine's environment may preset it so, and the launch scripts keep a preset value), else empty.
     */
    public static Optional<String> warning() {
        return warning(System.getenv("OPENBLAS_CORETYPE"), cpuFlags(Path.of("/proc/cpuinfo")));
    }

    static Optional<String> warning(String forced, Set<String> flags) {
        String core = recommended(flags);
        if ("Haswell".equalsIgnoreCase(forced == null ? null : forced.trim()) && "SkylakeX".equals(core)) {
            return Optional.of("OPENBLAS_CORETYPE=" + forced.trim() + " on a CPU with AVX-512: OpenBLAS runs its AVX2 "
                    + "kernels (SGEMM 1024³ at 90 against 170 GFLOP/s with SkylakeX on a Zen 5 EPYC, "
                    + "docs/benchmarks.md); start the service with OPENBLAS_CORETYPE=SkylakeX unless Haswell is meant");
        }
        if (forced != null && !forced.isBlank()) {
            return Optional.empty();
        }
        if (core == null) {
            return Optional.empty();
        }
        return Optional.of("OPENBLAS_CORETYPE is unset on a CPU with " + (core.equals("SkylakeX") ? "AVX-512" : "AVX2")
                + ": ND4J's OpenBLAS picks kernels by CPU model and runs SSE3 ones on models it does not know (4.5x "
                + "slower matrix products measured); start the service with OPENBLAS_CORETYPE=" + core
                + " (the lab's scripts do: infra/lib.sh openblas_coretype)");
    }

    /** The core type the launch scripts force for these CPU flags (same rule as infra/lib.sh), or null. */
    static String recommended(Set<String> flags) {
        if (flags.containsAll(Set.of("avx512f", "avx512bw", "avx512dq", "avx512vl"))) {
            return "SkylakeX";
        }
        return flags.containsAll(Set.of("avx2", "fma")) ? "Haswell" : null;
    }

    /** The first processor's flags in a /proc/cpuinfo file; empty when there is none (not Linux, not x86). */
    static Set<String> cpuFlags(Path cpuinfo) {
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                if (line.startsWith("flags")) {
                    int colon = line.indexOf(':');
                    return new HashSet<>(Arrays.asList(line.substring(colon + 1).trim().split("\\s+")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // no cpuinfo: nothing to recommend
        }
        return Set.of();
    }
}
