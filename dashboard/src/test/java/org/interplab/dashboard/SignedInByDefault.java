package org.interplab.dashboard;

import io.quarkus.test.junit.callback.QuarkusTestBeforeEachCallback;
import io.quarkus.test.junit.callback.QuarkusTestMethodContext;

/**
 * Before each @QuarkusTest method, REST Assured calls carry an admin's API token, so that tests written before
 * accounts existed keep testing what they test. Authorization tests call TestUsers.anonymousByDefault().
 */
public class SignedInByDefault implements QuarkusTestBeforeEachCallback {
    @Override
    public void beforeEach(QuarkusTestMethodContext context) {
        TestUsers.signInByDefault();
    }
}
