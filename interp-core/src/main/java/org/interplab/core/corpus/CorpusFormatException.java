package org.interplab.core.corpus;

/** A corpus file that cannot be read as stories; the message names the line (1-based) where it went wrong. */
public final class CorpusFormatException extends RuntimeException {
    private final long line;

    public CorpusFormatException(long line, String problem) {
        super("line " + line + ": " + problem);
        this.line = line;
    }

    public CorpusFormatException(String problem) {
        super(problem);
        this.line = 0;
    }

    /** The 1-based line of the defect, or 0 when it concerns the file as a whole. */
    public long line() {
        return line;
    }
}
