package org.interplab.core.model;

/** Test-only switches of {@link Transformer}'s fast paths, to time and compare the old ones. */
public final class TransformerTuning {
    private static final int DEFAULT_PER_DIM = Transformer.perDimMaxDHead;

    private TransformerTuning() {
    }

    /**
     * The default (true: the QKV attention kernel on the CPU, the reused step workspace) or the plain path (false:
     * batched ND4J matmuls and fresh arrays).
     */
    public static void fastPaths(boolean on) {
        Transformer.perDimMaxDHead = on ? DEFAULT_PER_DIM : 0;
        Transformer.useAttentionKernel = on;
        Transformer.useQkvKernel = on;
        Transformer.useStepWorkspace = on;
    }

    /** The per-head path with the fused per-head kernel (what hooked runs use), in the workspace. */
    public static void perHeadKernelPath() {
        Transformer.perDimMaxDHead = DEFAULT_PER_DIM;
        Transformer.useAttentionKernel = true;
        Transformer.useQkvKernel = false;
        Transformer.useStepWorkspace = true;
    }

    /** The ND4J per-d_head broadcast path (d_head ≤ 2) in the workspace, without the kernel. */
    public static void perDimensionPath() {
        Transformer.perDimMaxDHead = 2;
        Transformer.useAttentionKernel = false;
        Transformer.useQkvKernel = false;
        Transformer.useStepWorkspace = true;
    }
}
