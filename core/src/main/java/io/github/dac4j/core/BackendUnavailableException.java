package io.github.dac4j.core;

/** The asked-for device cannot run here; the message says what is missing and what works instead. */
public class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message) { super(message); }

    public BackendUnavailableException(String message, Throwable cause) { super(message, cause); }
}
