package io.github.dac4j.cli;

import io.github.dac4j.core.BackendUnavailableException;
import io.github.dac4j.weights.WeightsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * The {@code dac} command: {@code decode}, {@code encode}, {@code info}, {@code synth}, {@code plan}.
 *
 * <p>Exit codes: 0 success, 1 internal failure, 2 bad input or usage. Errors are one line on stderr,
 * {@code dac: <file>: <problem>}; {@code --verbose} adds the stack trace. Tests call {@link #run} and never exit.
 */
@Command(name = "dac", mixinStandardHelpOptions = true, version = "dac 0.1.0-SNAPSHOT",
        description = "Decode Descript Audio Codec (DAC 16, 24 and 44.1 kHz) codes to audio, exactly, in bounded memory.",
        subcommands = {DecodeCommand.class, EncodeCommand.class, InfoCommand.class, SynthCommand.class, PlanCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    /** Exit code for bad input or usage. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for an internal failure. */
    public static final int EXIT_INTERNAL = 1;
    /** What {@code --weights} takes, in every command's help. */
    static final String WEIGHTS_HELP = "DAC checkpoint: a .safetensors file (any layout) or a Hugging Face model folder "
            + "(model.safetensors and config.json). The sample rate is config.json's, beside the weights, when there is one.";

    /** Whether stderr is a terminal: progress lines only go there. Tests may set it. */
    boolean terminal = System.console() != null;
    /** Progress shows only once a decode has run this long, so short decodes stay quiet. */
    long progressAfterNanos = 2_000_000_000L;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    /** Runs one command line and exits the JVM with its exit code (see {@link #run(String[], PrintStream, PrintStream)}). */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line and returns its exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(new Main(), args, out, err);
    }

    /** As {@link #run(String[], PrintStream, PrintStream)} with a configured root (tests force progress). */
    static int run(Main main, String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = new CommandLine(main);
        PrintWriter errWriter = new PrintWriter(err, true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(errWriter);
        cl.setParameterExceptionHandler((e, a) -> {
            String where = e.getCommandLine().getCommandName();
            String path = e.getCommandLine().getCommandSpec().qualifiedName();
            errWriter.println("dac: " + oneLine(e.getMessage()) + " (see '" + path + " --help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((e, c, parseResult) -> {
            boolean verbose = verbose(parseResult);
            int code = exitCode(e);
            PrintWriter w = c.getErr();
            w.println("dac: " + message(e, code));
            if (verbose) e.printStackTrace(w);
            w.flush();
            return code;
        });
        return cl.execute(args);
    }

    @Override public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: decode, encode, info, synth or plan");
    }

    private static boolean verbose(CommandLine.ParseResult parseResult) {
        for (CommandLine.ParseResult p = parseResult; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }

    /** 2 for what the user can fix (bad files, options, devices), 1 for everything else. */
    static int exitCode(Throwable e) {
        if (e instanceof CliError || e instanceof WeightsException || e instanceof BackendUnavailableException
                || e instanceof NoSuchFileException || e instanceof AccessDeniedException) {
            return EXIT_USAGE;
        }
        return EXIT_INTERNAL;
    }

    private static String message(Throwable e, int code) {
        if (e instanceof FileSystemException f) {
            String reason = f instanceof NoSuchFileException ? "no such file or directory"
                    : f instanceof AccessDeniedException ? "permission denied" : f.getReason();
            return f.getFile() + ": " + (reason == null ? f.getClass().getSimpleName() : reason);
        }
        if (e instanceof BackendUnavailableException) return "--device: " + oneLine(e.getMessage());
        if (e instanceof OutOfMemoryError) {
            return "out of Java heap: lower --chunk-frames or --memory-budget, or raise -Xmx";
        }
        if (code == EXIT_USAGE) return oneLine(e.getMessage());
        return "internal error: " + e.getClass().getName() + (e.getMessage() == null ? "" : ": " + oneLine(e.getMessage()))
                + " (run with --verbose for the stack trace)";
    }

    static String oneLine(String s) {
        if (s == null) return "";
        return s.replace('\n', ' ').replace('\r', ' ').strip();
    }
}
