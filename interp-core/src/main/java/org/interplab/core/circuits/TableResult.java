package org.interplab.core.circuits;

/** The outcome of computing one table: the table, or the error that stopped it (the other tables still count). */
public record TableResult(String name, CircuitTable table, String error) {
    public static TableResult ok(CircuitTable table) {
        return new TableResult(table.name(), table, null);
    }

    public static TableResult failed(String name, Throwable error) {
        return new TableResult(name, null, error.getClass().getSimpleName() + ": " + error.getMessage());
    }
}
