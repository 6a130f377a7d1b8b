package io.github.dac4j.cli;

import java.nio.file.Path;

/**
 * Bad input or usage: the command stops with exit code 2 and the one line {@code dac: <where>: <problem>}.
 * {@code where} is the file at fault, or the option when no file is.
 */
final class CliError extends RuntimeException {
    CliError(Path file, String problem) { this(file.toString(), problem); }

    CliError(String where, String problem) { super(where + ": " + problem); }

    CliError(Path file, String problem, Throwable cause) { this(file.toString(), problem, cause); }

    CliError(String where, String problem, Throwable cause) {
        this(where, problem);
        initCause(cause);
    }
}
