package org.interplab.core.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The generator of {@code QkvLanesFloat}: {@link QkvLanesDouble}'s source with the primitive type double replaced by
 * float. Fails while the committed twin differs from what the generator makes of the double source; with
 * {@code -Dinterplab.regenerate=true} it first writes the twin.
 */
class QkvLanesTwinTest {
    private static final Path DIR = Path.of("src/main/java/org/interplab/core/model/kernels");
    private static final String PACKAGE = "package org.interplab.core.model.kernels;\n";

    static String generate(String doubleSource) {
        String out = Pattern.compile("\\bdouble\\b").matcher(doubleSource.replace("QkvLanesDouble", "QkvLanesFloat"))
                .replaceAll("float");
        return out.replaceFirst(Pattern.quote(PACKAGE), PACKAGE
                + "\n// Generated from QkvLanesDouble.java by QkvLanesTwinTest (double -> float): do not edit.\n");
    }

    @Test
    void floatTwinIsTheGeneratedDoubleSource() throws IOException {
        String source = Files.readString(DIR.resolve("QkvLanesDouble.java"), StandardCharsets.UTF_8);
        Path twin = DIR.resolve("QkvLanesFloat.java");
        if (Boolean.getBoolean("interplab.regenerate")) {
            Files.writeString(twin, generate(source), StandardCharsets.UTF_8);
        }
        assertEquals(generate(source), Files.readString(twin, StandardCharsets.UTF_8),
                "QkvLanesFloat.java is not the generated twin of QkvLanesDouble.java: regenerate it (see its javadoc)");
    }

    @Test
    void generatorReplacesTheTypeOnlyAsAWord() {
        assertEquals(PACKAGE + "\n// Generated from QkvLanesDouble.java by QkvLanesTwinTest (double -> float): do not "
                + "edit.\nfinal class QkvLanesFloat { float[] a; float x = asDouble(); }",
                generate(PACKAGE + "final class QkvLanesDouble { double[] a; double x = asDouble(); }"));
    }
}
