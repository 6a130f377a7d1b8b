package io.github.dac4j.bench;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.weights.DacConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * Two builds of dac4j in one JVM, whole decodes pair by pair: whether a change makes decoding faster, on a machine
 * whose load changes by the minute. Each build gets its own class loader (its class path first, then this jar for
 * whatever the build's path lacks: the weights loader, Jackson, this runner), so both are compiled by the same JIT
 * and measured seconds apart; ratios of figures from separate JVMs minutes apart do not cancel a neighbour's load.
 * Each decodes the same codes of a random-weight 44.1 kHz model; the builds take turns, and turns at going first.
 * The table gives B's time over A's, pair by pair: median, quartiles and range.
 *
 * <pre>
 * git worktree add /tmp/before HEAD~1 &amp;&amp; (cd /tmp/before &amp;&amp; ./mvnw -q -o compile -pl core)
 * ./mvnw -q -o install -DskipTests
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar io.github.dac4j.bench.BuildPairs \
 *     --a /tmp/before/core/target/classes --b core/target/classes --frames 86 --pairs 30
 * </pre>
 *
 * The same build against itself shows the noise floor of the day (on the shared 2-vCPU Xeon of the eighth session,
 * quartiles of 0.9-1.1). Used for docs/CPU-BACKEND.md's v14 and the changes tried beside it.
 */
@Command(name = "BuildPairs", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Two builds of dac4j in one JVM: whole decodes pair by pair, B's time over A's.")
public final class BuildPairs implements Callable<Integer> {
    @Option(names = "--a", required = true, paramLabel = "CLASSPATH",
            description = "Build A: its dac4j-core classes folder or jar, with any other entries it needs (the path separator between them).")
    String a;

    @Option(names = "--b", required = true, paramLabel = "CLASSPATH", description = "Build B, likewise.")
    String b;

    @Option(names = "--model", defaultValue = "44khz", description = "44khz, 24khz or 16khz (random weights). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--frames", defaultValue = "86", description = "Frames per decode. Default: ${DEFAULT-VALUE}.")
    int frames;

    @Option(names = "--pairs", defaultValue = "30", description = "Timed pairs of decodes. Default: ${DEFAULT-VALUE}.")
    int pairs;

    @Option(names = "--step", defaultValue = "0", description = "Frames per decode step; 0 decodes whole. Default: ${DEFAULT-VALUE}.")
    int step;

    @Option(names = "--threads", defaultValue = "2", description = "CPU worker threads. Default: ${DEFAULT-VALUE}.")
    int threads;

    /** Runs the comparison; exit code 2 for bad options or a class path entry that does not exist. */
    public static void main(String[] args) { System.exit(new CommandLine(new BuildPairs()).execute(args)); }

    @Override public Integer call() throws Exception {
        if (frames < 1 || pairs < 1 || step < 0 || threads < 1) {
            System.err.println("BuildPairs: --frames, --pairs and --threads must be at least 1, --step at least 0");
            return 2;
        }
        try {
            DacConfig.preset(model);
        } catch (IllegalArgumentException e) {
            System.err.println("BuildPairs: --model: " + e.getMessage());
            return 2;
        }
        for (String path : List.of(a, b)) {
            for (String entry : path.split(File.pathSeparator)) {
                if (!Files.exists(Path.of(entry))) {
                    System.err.println("BuildPairs: " + entry + ": no such file or folder");
                    return 2;
                }
            }
        }
        System.setProperty("dac4j.cpu.threads", Integer.toString(threads));
        Supplier<float[]> first = open(a), second = open(b);
        boolean same = Arrays.equals(first.get(), second.get());
        for (int i = 0; i < 3; i++) { first.get(); second.get(); }   // both warm before any pair is timed
        double[][] ms = LibraryTimings.timedPairs(() -> new float[][] {first.get()}, () -> new float[][] {second.get()}, pairs);
        double[] ta = ms[0], tb = ms[1], ratio = new double[pairs];
        for (int i = 0; i < pairs; i++) ratio[i] = tb[i] / ta[i];
        System.out.println("A: " + first);
        System.out.println("B: " + second);
        System.out.println("same samples: " + same);
        System.out.println("| frames | step | pairs | A, median (ms) | B, median (ms) | B / A, pair by pair: median | quartiles | range |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        System.out.printf(Locale.ROOT, "| %d | %d | %d | %.0f | %.0f | %.3f | %.3f-%.3f | %.3f-%.3f |%n", frames, step, pairs,
                LibraryTimings.quantile(ta, 0.5), LibraryTimings.quantile(tb, 0.5), LibraryTimings.quantile(ratio, 0.5),
                LibraryTimings.quantile(ratio, 0.25), LibraryTimings.quantile(ratio, 0.75),
                LibraryTimings.quantile(ratio, 0), LibraryTimings.quantile(ratio, 1));
        return 0;
    }

    /** A decoder of the build on {@code classPath}, in a class loader of its own. */
    private Supplier<float[]> open(String classPath) throws Exception { return open(classPath, model, frames, step); }

    /** A decoder of {@code model} for {@code frames} frames in steps of {@code step}, loaded from {@code classPath} first. */
    @SuppressWarnings("unchecked")
    static Supplier<float[]> open(String classPath, String model, int frames, int step) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : classPath.split(File.pathSeparator)) urls.add(Path.of(entry).toUri().toURL());
        urls.add(BuildPairs.class.getProtectionDomain().getCodeSource().getLocation());
        ClassLoader loader = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        return (Supplier<float[]>) loader.loadClass(Decodes.class.getName())
                .getConstructor(String.class, int.class, int.class).newInstance(model, frames, step);
    }

    /** One build's decoder, loaded by that build's class loader: each {@link #get} decodes the same codes once. */
    public static final class Decodes implements Supplier<float[]> {
        private final Decoder decoder;
        private final int[][][] codes;

        /** A CPU decoder of the preset {@code model} with random weights, and {@code frames} frames of random codes. */
        public Decodes(String model, int frames, int step) {
            DacConfig c = DacConfig.preset(model);
            codes = BenchModels.codes(c, 1, frames, 7);
            decoder = Decoder.open(BenchModels.random(c, 1), DecoderOptions.defaults().withDevice("cpu").withStepFrames(step));
        }

        @Override public float[] get() { return decoder.decode(codes)[0]; }

        /** The device line, and where this loader found the core classes: the build's own, not this jar's. */
        @Override public String toString() {
            return decoder.backend().device() + ", core from " + Decoder.class.getProtectionDomain().getCodeSource().getLocation();
        }
    }
}
