package org.interplab.dashboard.reproductions;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.Presets;

/** The claims of {@code reproductions/claims.json}, read and checked once (a preset must exist, ids be unique). */
public final class Claims {
    static final String RESOURCE = "reproductions/claims.json";
    public static final List<Claim> ALL = load();

    private Claims() {
    }

    public static Optional<Claim> byId(String id) {
        return ALL.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    static List<Claim> load() {
        try (InputStream in = Claims.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the classpath");
            }
            List<Claim> claims = Json.MAPPER.readValue(in, new TypeReference<List<Claim>>() { });
            Set<String> ids = new HashSet<>();
            for (Claim c : claims) {
                if (!ids.add(c.id())) {
                    throw new IllegalStateException(RESOURCE + ": claim id '" + c.id() + "' twice");
                }
                if (!Presets.NAMES.contains(c.preset())) {
                    throw new IllegalStateException(RESOURCE + ": claim " + c.id() + " names unknown preset '"
                            + c.preset() + "'");
                }
                Claim.Measure m = c.measure();
                if (m == null || (m.metric() == null) == (m.table() == null) || m.col() == null && m.table() != null
                        || c.agree() == null || c.agree().min() == null && c.agree().max() == null || c.seeds() < 1) {
                    throw new IllegalStateException(RESOURCE + ": claim " + c.id() + " needs a measure (metric, or "
                            + "table and col), an agree range and seeds ≥ 1");
                }
                if (m.table() != null && m.row() == null && (m.aggregate() == null ? m.countRowsAbove() == null
                        : !Claim.Measure.MEAN.equals(m.aggregate()))) {
                    throw new IllegalStateException(RESOURCE + ": claim " + c.id() + " measures a table without a "
                            + "row: it needs countRowsAbove or aggregate \"mean\"");
                }
                Claim.Compare k = c.compare();
                if (k != null && (k.path() == null || k.value() == null || k.baseline() == null
                        || !Claim.Compare.FORMS.contains(k.as()) || k.value().equals(k.baseline()))) {
                    throw new IllegalStateException(RESOURCE + ": claim " + c.id() + " compares: it needs a path, "
                            + "two different values (value, baseline) and as one of " + Claim.Compare.FORMS);
                }
            }
            return List.copyOf(claims);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
