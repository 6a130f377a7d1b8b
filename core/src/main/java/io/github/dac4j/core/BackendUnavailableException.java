package io.github.dac4j.core;

/** The asked-for device cannot run here; the message says what is missing and what works instead. */
public class BackendUnavailableException extends RuntimeException {
    /** An exception with a one-line message: what is missing, and what works instead. */
    public BackendUnavailableException(String message) { super(message); }

    /** As {@link #BackendUnavailableException(String)}, with the failure behind it. */
    public BackendUnavailableException(String message, Throwable cause) { super(message, cause); }
}
