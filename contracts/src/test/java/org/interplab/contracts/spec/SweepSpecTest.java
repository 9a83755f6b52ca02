package org.interplab.contracts.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.interplab.contracts.Json;
import org.junit.jupiter.api.Test;

class SweepSpecTest {
    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static ObjectNode xor() {
        return Presets.load("xor");
    }

    @Test
    void theGridExpandsToTheCartesianProductFirstKeySlowest() {
        SweepSpec sweep = SweepSpec.of(xor(), json("{\"seed\": [1, 2, 3], \"model.dHead\": [2, 4]}"));
        assertEquals(6, sweep.size());
        List<SweepSpec.Point> points = sweep.expand();
        assertEquals(6, points.size());
        long[] seeds = {1, 1, 2, 2, 3, 3};
        int[] dHeads = {2, 4, 2, 4, 2, 4};
        for (int i = 0; i < 6; i++) {
            SweepSpec.Point p = points.get(i);
            assertEquals(i, p.index());
            assertEquals(seeds[i], p.spec().seed());
            assertEquals(dHeads[i], p.spec().model().dHead());
            // everything else is the base's
            assertEquals(2, p.spec().model().nHeads());
            assertEquals(16, p.spec().model().dModel());
            assertEquals("xor", p.spec().task().kind());
            assertEquals(i / 2, p.valueIndices().get("seed"));
            assertEquals(i % 2, p.valueIndices().get("model.dHead"));
        }
        assertEquals("seed=2, dHead=4", points.get(3).label());
        assertEquals("{\"seed\":2,\"model.dHead\":4}", points.get(3).valuesJson().toString());
    }

    @Test
    void objectValuesAreDeepMergedLikeOverrides() {
        List<SweepSpec.Point> points = SweepSpec.of(xor(),
                json("{\"training\": [{\"steps\": 10}, {\"steps\": 20, \"lr\": 0.1}]}")).expand();
        assertEquals(10, points.get(0).spec().training().steps());
        assertEquals(0.01, points.get(0).spec().training().lr(), 0);
        assertEquals(20, points.get(1).spec().training().steps());
        assertEquals(0.1, points.get(1).spec().training().lr(), 0);
        assertEquals(4, points.get(1).spec().training().batchSize());
    }

    @Test
    void theBaseIsNotModified() {
        ObjectNode base = xor();
        String before = base.toString();
        SweepSpec.of(base, json("{\"model.nHeads\": [1, 3]}")).expand();
        assertEquals(before, base.toString());
    }

    @Test
    void anInvalidValueIsNamedByItsPathAndIndex() {
        SweepSpec.InvalidSweepException e = assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("{\"seed\": [1, 2], \"model.nHeads\": [2, 0]}")).expand());
        assertEquals("grid.model.nHeads[1]", e.errors().get(0).field());
        assertTrue(e.errors().get(0).error().contains("must be in [1, "), e.getMessage());
        // the same bad value at two seeds is one error
        assertEquals(1, e.errors().size(), e.errors().toString());
    }

    @Test
    void aValueOfTheWrongTypeIsNamed() {
        SweepSpec.InvalidSweepException e = assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("{\"model.nHeads\": [2, \"two\"]}")).expand());
        assertEquals("grid.model.nHeads[1]", e.errors().get(0).field());
    }

    @Test
    void unknownPathsAreRefusedWithTheFieldsThatExist() {
        SweepSpec.InvalidSweepException e = assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("{\"model.dropot\": [0.1]}")));
        assertEquals("grid.model.dropot", e.errors().get(0).field());
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
        assertEquals("grid.seed.x", assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("{\"seed.x\": [1]}"))).errors().get(0).field());
        assertEquals("grid.speed", assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("{\"speed\": [1]}"))).errors().get(0).field());
        assertNull(SweepSpec.checkPath("task.featureProbability"));
        assertNull(SweepSpec.checkPath("model.dropout"));
        assertNull(SweepSpec.checkPath("training"));
    }

    @Test
    void theGridMustBeAnObjectOfNonEmptyLists() {
        assertEquals("grid", assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("[1, 2]"))).errors().get(0).field());
        assertEquals("grid", assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("{}"))).errors().get(0).field());
        assertEquals("grid.seed", assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("{\"seed\": 3}"))).errors().get(0).field());
        assertEquals("grid.seed", assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("{\"seed\": []}"))).errors().get(0).field());
        assertEquals("grid.model.nHeads", assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("{\"model\": [{\"nHeads\": 1}], \"model.nHeads\": [2]}")))
                .errors().get(0).field());
    }

    @Test
    void theNumberOfPointsIsCapped() {
        StringBuilder seeds = new StringBuilder();
        for (int s = 0; s < 17; s++) {
            seeds.append(s == 0 ? "" : ",").append(s);
        }
        StringBuilder lrs = new StringBuilder();
        for (int i = 1; i <= 16; i++) {
            lrs.append(i == 1 ? "" : ",").append(i / 1000.0);
        }
        SweepSpec.InvalidSweepException e = assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(xor(), json("{\"seed\": [" + seeds + "], \"training.lr\": [" + lrs + "]}")));
        assertEquals("grid", e.errors().get(0).field());
        assertTrue(e.getMessage().contains("272") && e.getMessage().contains("256"), e.getMessage());
        // 16 × 16 is exactly the cap
        assertEquals(256, SweepSpec.of(xor(), json("{\"seed\": [" + seeds.substring(0, seeds.lastIndexOf(","))
                + "], \"training.lr\": [" + lrs + "]}")).expand().size());
    }
}
