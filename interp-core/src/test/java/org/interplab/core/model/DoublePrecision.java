package org.interplab.core.model;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs a test class with ND4J's default floating-point type set to DOUBLE (finite differences need it) and restores
 * the previous default afterwards: {@code @ExtendWith(DoublePrecision.class)}.
 */
public class DoublePrecision implements BeforeAllCallback, AfterAllCallback {
    private DataType saved;

    @Override
    public void beforeAll(ExtensionContext context) {
        saved = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Nd4j.setDefaultDataTypes(saved, saved);
    }
}
