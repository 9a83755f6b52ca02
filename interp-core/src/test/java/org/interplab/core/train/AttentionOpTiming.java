package org.interplab.core.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/** Per-op timings of the attention forward at the addition preset's shapes (prints only). */
class AttentionOpTiming {
    @Test
    @EnabledIfSystemProperty(named = "timing", matches = "true")
    void ops() {
        int b = 256, t = 19, h = 32, dh = 2, d = 128, bh = b * h;
        DataType f = DataType.FLOAT;
        INDArray x = Nd4j.rand(f, (long) b * t, d);
        INDArray wQkv = Nd4j.rand(f, d, 3L * h * dh);
        INDArray bias = Nd4j.rand(f, 1, 3L * h * dh);
        INDArray[] qkv = {null};
        p("qkv gemm", () -> qkv[0] = x.mmul(wQkv).addiRowVector(bias));
        INDArray[] heads = {null};
        p("permute dup 5d", () -> heads[0] = qkv[0].reshape(b, t, 3, h, dh).permute(2, 0, 3, 1, 4).dup('c')
                .reshape(3, bh, t, dh));
        INDArray q = heads[0].slice(0), k = heads[0].slice(1), v = heads[0].slice(2);
        INDArray[] s = {null};
        p("scores batched matmul", () -> s[0] = Nd4j.matmul(q, k, false, true, false));
        p("scale muli", () -> s[0].muli(0.7));
        INDArray mask = Nd4j.rand(f, 1, (long) t * t);
        p("mask addiRowVector", () -> s[0].reshape((long) bh, (long) t * t).addiRowVector(mask));
        INDArray rows = s[0].reshape((long) bh * t, t);
        INDArray[] pat = {null};
        p("softmax", () -> pat[0] = Nd4j.exec(new SoftMax(rows, rows.ulike(), 1))[0].reshape(bh, t, t));
        INDArray[] z = {null};
        p("pattern·v batched", () -> z[0] = Nd4j.matmul(pat[0], v));
        INDArray wO = Nd4j.rand(f, (long) h * dh, d);
        INDArray[] zc = {null};
        p("z permute dup", () -> zc[0] = z[0].reshape(b, h, t, dh).permute(0, 2, 1, 3).dup('c').reshape((long) b * t, h * dh));
        p("z·W_O", () -> zc[0].mmul(wO));
        INDArray dz = Nd4j.rand(f, bh, t, dh);
        p("dP = dz·vT batched", () -> Nd4j.matmul(dz, v, false, true, false));
        p("dv = PT·dz batched", () -> Nd4j.matmul(pat[0], dz, true, false, false));
        p("dq = dS·k batched", () -> Nd4j.matmul(pat[0], k));
        p("dk = dST·q batched", () -> Nd4j.matmul(pat[0], q, true, false, false));
        INDArray p2 = pat[0].reshape((long) bh * t, t);
        p("softmax bwd", () -> p2.subColumnVector(p2.mul(p2).sum(true, 1)).muli(p2));
        INDArray dq = Nd4j.rand(f, bh, t, dh);
        p("stack+permute dup", () -> Nd4j.stack(0, dq, dq, dq).reshape(3, b, h, t, dh).permute(1, 3, 0, 2, 4).dup('c')
                .reshape((long) b * t, 3L * h * dh));
        INDArray dQkv = Nd4j.rand(f, (long) b * t, 3L * h * dh);
        p("xT·dQkv", () -> x.transpose().mmul(dQkv));
        p("dQkv·wT", () -> dQkv.mmul(wQkv.transpose()));
        // alternatives for d_head = 2: q, k, v laid out [d_head, batch·head, pos]
        INDArray qd = Nd4j.rand(f, dh, bh, t), kd = Nd4j.rand(f, dh, bh, t), vd = Nd4j.rand(f, dh, bh, t);
        for (int rep = 0; rep < 3; rep++) {
            p("W A scores batched matmul", () -> Nd4j.matmul(q, k, false, true, false));
            p("W B scores per-dim bcast mul+addi", () -> {
                INDArray acc = qd.slice(0).reshape(bh, t, 1).mul(kd.slice(0).reshape(bh, 1, t));
                for (int j = 1; j < dh; j++) {
                    acc.addi(qd.slice(j).reshape(bh, t, 1).mul(kd.slice(j).reshape(bh, 1, t)));
                }
            });
            p("W A z batched matmul", () -> Nd4j.matmul(pat[0], v));
            p("W B z per-dim mul+sum", () -> {
                for (int j = 0; j < dh; j++) {
                    pat[0].mul(vd.slice(j).reshape(bh, 1, t)).sum(2);
                }
            });
            p("W B z per-dim mul+sum 2d", () -> {
                for (int j = 0; j < dh; j++) {
                    pat[0].mul(vd.slice(j).reshape(bh, 1, t)).reshape((long) bh * t, t).sum(1);
                }
            });
            p("W rowsum 2d [bh*t, t]", () -> p2.sum(1));
            p("W rowsum keepdims", () -> p2.sum(true, 1));
            p("W mul 2d", () -> p2.mul(p2));
            org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration wc = org.nd4j.linalg.api.memory.conf
                    .WorkspaceConfiguration.builder()
                    .policyAllocation(org.nd4j.linalg.api.memory.enums.AllocationPolicy.STRICT)
                    .policyLearning(org.nd4j.linalg.api.memory.enums.LearningPolicy.FIRST_LOOP).build();
            p("W mul 2d in workspace", () -> {
                try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager()
                        .getAndActivateWorkspace(wc, "timing")) {
                    p2.mul(p2);
                    p2.mul(p2);
                }
            });
            p("W createUninitialized", () -> Nd4j.createUninitialized(f, bh, t, t));
            INDArray out2 = p2.ulike();
            p("W mul 2d into buffer", () -> p2.mul(p2, out2));
            p("W create 2d zeros", () -> p2.ulike());
            p("W muli 2d in place", () -> out2.muli(1.0001));
            p("W softmax", () -> Nd4j.exec(new SoftMax(rows, rows.ulike(), 1)));
            p("W softmax manual", () -> {
                INDArray e = rows.subColumnVector(rows.max(true, 1));
                org.nd4j.linalg.ops.transforms.Transforms.exp(e, false);
                e.diviColumnVector(e.sum(true, 1));
            });
        }
    }

    static final org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration WS = org.nd4j.linalg.api.memory.conf
            .WorkspaceConfiguration.builder()
            .policyAllocation(org.nd4j.linalg.api.memory.enums.AllocationPolicy.STRICT)
            .policyLearning(org.nd4j.linalg.api.memory.enums.LearningPolicy.FIRST_LOOP).build();

    static void p(String name, Runnable body) {
        if (!name.startsWith("W ")) {
            time(name, body);
            return;
        }
        time(name, () -> {
            try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager()
                    .getAndActivateWorkspace(WS, "op-" + name)) {
                body.run();
            }
        });
    }

    static void time(String name, Runnable r) {
        for (int i = 0; i < 3; i++) {
            r.run();
        }
        double[] t = new double[9];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = (System.nanoTime() - s) / 1e6;
        }
        java.util.Arrays.sort(t);
        System.out.printf("OPTIME %-40s %8.2f ms%n", name, t[t.length / 2]);
    }
}
