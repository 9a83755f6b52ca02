package org.interplab.core.train;

import java.io.IOException;
import java.io.InputStream;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;

/** Loads a preset JSON shipped in contracts directly, also for presets not yet listed in Presets.NAMES. */
final class TestSpecs {
    private TestSpecs() {
    }

    static ExperimentSpec preset(String name, long seed) {
        try (InputStream in = TestSpecs.class.getResourceAsStream("/presets/" + name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("no preset " + name);
            }
            return Json.MAPPER.readValue(in, ExperimentSpec.class).withSeed(seed);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
