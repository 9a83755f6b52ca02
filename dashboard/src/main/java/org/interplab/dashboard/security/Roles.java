package org.interplab.dashboard.security;

import java.util.List;
import java.util.Set;

/** The lab's three roles; each includes the ones below it (admin ⊃ researcher ⊃ viewer). */
public final class Roles {
    public static final String VIEWER = "viewer";
    public static final String RESEARCHER = "researcher";
    public static final String ADMIN = "admin";
    public static final List<String> ALL = List.of(VIEWER, RESEARCHER, ADMIN);

    private Roles() {
    }

    /** The security roles a user with this stored role holds. */
    public static Set<String> granted(String role) {
        return switch (role) {
            case ADMIN -> Set.of(VIEWER, RESEARCHER, ADMIN);
            case RESEARCHER -> Set.of(VIEWER, RESEARCHER);
            default -> Set.of(VIEWER);
        };
    }
}
