package org.interplab.dashboard;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import javax.sql.DataSource;

/** Test helper: a count query straight against the database, so tests see what was (or was not) stored. */
@ApplicationScoped
public class SqlCounts {
    @Inject
    DataSource dataSource;

    /** Runs {@code select count(*) …} with at most one parameter (null for none). */
    public long count(String sql, Object param) {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(sql)) {
            if (param != null) {
                s.setObject(1, param);
            }
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
