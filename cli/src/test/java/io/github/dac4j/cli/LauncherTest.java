package io.github.dac4j.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code dac} launcher script at the repository root: it finds the jar beside it, runs it with the Vector API
 * module resolved, passes arguments and {@code DAC_JAVA_OPTS} through, returns the jar's exit code, and fails in
 * one line (exit 2) without a jar to run or with a Java older than 17, and keeps a class-data archive beside the
 * jar. A stand-in jar ({@link LauncherProbe}) replaces dac.jar, so the test needs no build of the real one.
 */
class LauncherTest {
    /** The tracked script; surefire runs in the module's folder. */
    static final Path SCRIPT = Path.of("..", "dac").toAbsolutePath().normalize();

    @TempDir Path dir;

    /** Whether the launcher should ask for transparent huge pages here: where Linux gives them on request. */
    static final boolean THP = madvise();

    private static boolean madvise() {
        try {
            return Files.readString(Path.of("/sys/kernel/mm/transparent_hugepage/enabled")).contains("[madvise]");
        } catch (IOException e) {
            return false;
        }
    }

    @BeforeAll
    static void unixShell() {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "the launcher is a POSIX shell script; no /bin/sh here");
    }

    record Run(int code, String out, String err) {}

    private Run launch(Path script, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/bin/sh", script.toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("DAC_JAVA_OPTS");
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        pb.environment().putAll(env);
        Path out = dir.resolve("stdout.txt"), err = dir.resolve("stderr.txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher did not finish in 60 s");
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** A copy of the script in its own folder, as the build puts it in cli/target, with the stand-in jar beside it. */
    private Path scriptWithJar() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("target"));
        Path script = Files.copy(SCRIPT, folder.resolve("dac"));
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherProbe.class.getName());
        String entry = LauncherProbe.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(folder.resolve("dac.jar"));
             JarOutputStream jar = new JarOutputStream(file, manifest);
             InputStream probe = LauncherProbe.class.getClassLoader().getResourceAsStream(entry)) {
            jar.putNextEntry(new JarEntry(entry));
            probe.transferTo(jar);
            jar.closeEntry();
        }
        return script;
    }

    @Test
    void runsTheJarBesideItWithTheVectorModule() throws Exception {
        Run r = launch(scriptWithJar(), Map.of("DAC_JAVA_OPTS", "-Ddac4j.probe=yes -Xmx64m"), "decode", "a b", "--out", "x.wav");
        assertEquals(3, r.code(), r.err());
        assertEquals("vector=true\nthp=" + THP + "\nprop=yes\nargs=decode|a b|--out|x.wav\n", r.out(), r.err());
    }

    /** DAC_JAVA_OPTS comes after the launcher's own options, so it can turn huge pages off. */
    @Test
    void javaOptionsOverrideTheHugePages() throws Exception {
        Run r = launch(scriptWithJar(), Map.of("DAC_JAVA_OPTS", "-XX:-UseTransparentHugePages"), "info");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.out().startsWith("vector=true\nthp=false\n"), r.out());
    }

    /** A link to the script (say from ~/bin) still finds the jar beside the script itself. */
    @Test
    void followsASymbolicLinkToItself() throws Exception {
        Path script = scriptWithJar();
        Path link = Files.createSymbolicLink(Files.createDirectories(dir.resolve("bin")).resolve("dac"), script);
        Run r = launch(link, Map.of(), "info");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.out().startsWith("vector=true\n"), r.out());
    }

    /** The class-data archive: written by the first run, used by the next, rewritten after a rebuild; stdout stays the command's. */
    @Test
    void writesAClassArchiveOnceThenUsesIt() throws Exception {
        Path script = scriptWithJar();
        Path folder = script.getParent();
        Run first = launch(script, Map.of(), "info");
        assertEquals(3, first.code(), first.err());
        List<Path> archives = archives(folder);
        assertEquals(1, archives.size(), "archives after the first run: " + archives);
        assertTrue(Files.size(archives.get(0)) > 0);
        long written = Files.getLastModifiedTime(archives.get(0)).toMillis();

        Run second = launch(script, Map.of(), "info", "x");
        assertEquals(3, second.code(), second.err());
        assertEquals("vector=true\nthp=" + THP + "\nprop=null\nargs=info|x\n", second.out(), "stdout must be the command's only: " + second.err());
        assertEquals(written, Files.getLastModifiedTime(archives.get(0)).toMillis(), "a fresh archive is not rewritten");

        // a rebuilt jar (newer than the archive) gets a new archive on its next run
        Files.setLastModifiedTime(archives.get(0), java.nio.file.attribute.FileTime.fromMillis(written - 60_000));
        Run third = launch(script, Map.of(), "info");
        assertEquals(3, third.code(), third.err());
        assertTrue(Files.getLastModifiedTime(archives.get(0)).toMillis() >= written, "the stale archive was not rewritten");
        assertEquals(1, archives(folder).size(), "no temporary file left: " + archives(folder));
    }

    @Test
    void noClassArchiveWithDacCdsOff() throws Exception {
        Path script = scriptWithJar();
        Run r = launch(script, Map.of("DAC_CDS", "0"), "info");
        assertEquals(3, r.code(), r.err());
        assertEquals(List.of(), archives(script.getParent()));
    }

    private static List<Path> archives(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.filter(f -> f.getFileName().toString().matches("dac-.*\\.jsa.*")).sorted().toList();
        }
    }

    @Test
    void tellsInOneLineWhenThereIsNoJarAndNoWrapper() throws Exception {
        Path script = Files.copy(SCRIPT, dir.resolve("dac"));
        Run r = launch(script, Map.of());
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("dac: ") && r.err().contains("cli/target/dac.jar: not found"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void refusesAJavaOlderThan17InOneLine() throws Exception {
        Path script = scriptWithJar();
        Path oldJdk = Files.createDirectories(dir.resolve("jdk-11/bin"));
        Files.writeString(oldJdk.resolve("java"), "#!/bin/sh\necho should not run\nexit 0\n");
        Files.setPosixFilePermissions(oldJdk.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("jdk-11/release"), "IMPLEMENTOR=\"Someone\"\nJAVA_VERSION=\"11.0.2\"\n", StandardCharsets.UTF_8);
        Run r = launch(script, Map.of("JAVA_HOME", dir.resolve("jdk-11").toString()));
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("Java 11.0.2") && r.err().contains("17 or newer"), r.err());
        assertEquals("", r.out());
    }
}
