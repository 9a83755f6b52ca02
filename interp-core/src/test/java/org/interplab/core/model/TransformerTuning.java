package org.interplab.core.model;

/** Test-only switches of {@link Transformer}'s fast paths, to time and compare the old ones. */
public final class TransformerTuning {
    private TransformerTuning() {
    }

    /** Both fast paths on (true, the default) or off (the per-head batched matmuls and fresh arrays). */
    public static void fastPaths(boolean on) {
        Transformer.perDimMaxDHead = on ? 2 : 0;
        Transformer.useStepWorkspace = on;
    }
}
