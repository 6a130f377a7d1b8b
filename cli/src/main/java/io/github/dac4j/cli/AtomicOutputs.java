package io.github.dac4j.cli;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Output files that appear all together or not at all: each is written to a temporary file in its target's
 * directory (so the final move is a rename on one file system) and moved into place only by {@link #commit}.
 * Closing without committing deletes every temporary file, so a failed command leaves no partial output.
 */
final class AtomicOutputs implements AutoCloseable {
    private final List<Path> targets = new ArrayList<>();
    private final List<Path> temps = new ArrayList<>();
    private boolean committed;

    /**
     * Reserves a temporary file for {@code target}; fails now, before any work, if the directory cannot take it.
     *
     * @return the temporary file to write instead of {@code target}
     */
    Path add(Path target) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new CliError(target, "directory " + dir + " does not exist");
        if (Files.isDirectory(abs)) throw new CliError(target, "is a directory");
        if (targets.contains(abs)) throw new CliError(target, "named twice as an output");
        Path temp;
        try {
            temp = createTemp(dir, abs.getFileName().toString());
        } catch (IOException e) {
            throw new CliError(target, "cannot create a file in " + dir + " (" + e.getClass().getSimpleName() + ")", e);
        }
        targets.add(abs);
        temps.add(temp);
        return temp;
    }

    /**
     * A new empty file beside the target. Not {@code Files.createTempFile}: that makes the file private (0600),
     * and after the move the output would be unreadable to others; createFile applies the umask as any tool would.
     */
    private static Path createTemp(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve("." + name + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".partial");
            try {
                return Files.createFile(p);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                if (attempt == 10) throw e;
            }
        }
    }

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    /**
     * Moves every temporary file into place. A file a target replaces is first renamed aside, so that if a later
     * move fails, every target gets back what it held before (or stays absent): all outputs appear, or none.
     */
    void commit() throws IOException {
        Path[] previous = new Path[targets.size()];
        int moved = 0;
        try {
            for (; moved < temps.size(); moved++) {
                Path target = targets.get(moved);
                if (Files.exists(target)) {
                    Path aside = createTemp(target.getParent(), target.getFileName().toString());
                    try {
                        move(target, aside);
                    } catch (IOException e) {
                        Files.deleteIfExists(aside);
                        throw e;
                    }
                    previous[moved] = aside;
                }
                move(temps.get(moved), target);
            }
            committed = true;
        } finally {
            for (int i = 0; i < previous.length; i++) {
                if (previous[i] == null) continue;
                if (committed) {
                    Files.deleteIfExists(previous[i]);
                } else {
                    move(previous[i], targets.get(i)); // undoes a new file moved in, if any
                }
            }
            if (!committed) {
                for (int i = 0; i < moved; i++) if (previous[i] == null) Files.deleteIfExists(targets.get(i));
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override public void close() {
        if (committed) return;
        for (Path t : temps) {
            try {
                Files.deleteIfExists(t);
            } catch (IOException ignored) {
                // best effort: the command is already failing with a better message
            }
        }
    }
}
