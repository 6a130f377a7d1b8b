package io.github.dac4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Outputs appear all together or not at all, and a failed commit gives back the files it was replacing. */
class AtomicOutputsTest {
    @Test
    void commitReplacesEveryTargetAndLeavesNothingElse(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a.wav"), b = dir.resolve("b.wav");
        Files.writeString(a, "old a");
        try (AtomicOutputs outputs = new AtomicOutputs()) {
            Files.writeString(outputs.add(a), "new a");
            Files.writeString(outputs.add(b), "new b");
            outputs.commit();
        }
        assertEquals("new a", Files.readString(a));
        assertEquals("new b", Files.readString(b));
        assertEquals(List.of("a.wav", "b.wav"), names(dir));
    }

    @Test
    void aFailedMoveRestoresTheFilesAlreadyReplaced(@TempDir Path dir) throws IOException {
        Path first = Files.createDirectory(dir.resolve("one")), second = Files.createDirectory(dir.resolve("two"));
        Path a = first.resolve("a.wav"), fresh = first.resolve("fresh.wav"), b = second.resolve("b.wav");
        Files.writeString(a, "old a");
        try (AtomicOutputs outputs = new AtomicOutputs()) {
            Files.writeString(outputs.add(a), "new a");
            Files.writeString(outputs.add(fresh), "new fresh");
            Path tempB = outputs.add(b);
            // The last move must fail: its temporary file and directory vanish before the commit.
            Files.delete(tempB);
            Files.delete(second);
            assertThrows(IOException.class, outputs::commit);
        }
        assertEquals("old a", Files.readString(a), "a replaced file is given back");
        assertFalse(Files.exists(fresh), "a file that did not exist before does not appear");
        assertEquals(List.of("a.wav"), names(first), "no temporary or set-aside file is left");
    }

    @Test
    void closingWithoutCommitRemovesTheTemporaryFiles(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a.wav");
        Files.writeString(a, "old a");
        try (AtomicOutputs outputs = new AtomicOutputs()) {
            Files.writeString(outputs.add(a), "half-written");
        }
        assertEquals("old a", Files.readString(a));
        assertEquals(List.of("a.wav"), names(dir));
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
