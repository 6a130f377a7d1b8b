package io.github.dac4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.DecoderOptions;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.core.plan.PlannedBuffer;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.ScratchPolicy;
import io.github.dac4j.cuda.CudaSizing;
import io.github.dac4j.weights.DacCheckpoint;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code dac plan}: the arena layout of one decode step and the exact arena bytes a decode with these options
 * would allocate, computed from the checkpoint alone (no device is opened).
 */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print the memory plan of one decode step and the arena bytes a decode would use (no GPU needed).")
final class PlanCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--weights", required = true, paramLabel = "W", description = Main.WEIGHTS_HELP)
    Path weights;

    @Option(names = "--precision", defaultValue = "fp32", paramLabel = "fp32|fp16",
            description = "Activation precision: fp32 plans for the CPU, fp16 for CUDA. Default: ${DEFAULT-VALUE}.")
    String precision;

    @Option(names = "--device", paramLabel = "cpu|cuda", description = "Backend whose workspace to plan for; default cuda for fp16, else cpu.")
    String device;

    static final class Step {
        @Option(names = "--chunk-frames", paramLabel = "N",
                description = "Frames per step (default " + DecoderOptions.DEFAULT_STEP_FRAMES + "); 0 = the whole sequence (needs --frames).")
        Integer chunkFrames;

        @Option(names = "--memory-budget", paramLabel = "SIZE", converter = Sizes.class,
                description = "Arena bytes allowed: report the largest step that fits (64MiB, 512KiB, 1GiB, 1000000).")
        Long memoryBudget;
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Step step = new Step();

    @Option(names = "--frames", paramLabel = "T", description = "Sequence length in frames, for --chunk-frames 0.")
    Integer frames;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "B", description = "Streams decoded together. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--json", description = "Print JSON: every buffer's name, shape, bytes, offset, first/last op, producer.")
    boolean json;

    @Option(names = "--encoder", description = "Plan the encoder's step (audio to codes) instead of the decoder's; the checkpoint must hold the encoder.")
    boolean encoder;

    @Option(names = "--verbose", description = "Print stack traces on errors.")
    boolean verbose;

    @Override public Integer call() throws Exception {
        Precision p = DecodeCommand.parsePrecision(precision);
        String dev = device == null ? (p == Precision.FP16 ? "cuda" : "cpu") : device.toLowerCase(Locale.ROOT);
        if (!dev.equals("cpu") && !dev.equals("cuda")) throw new CliError("--device", "unknown device '" + device + "' (expected cpu or cuda)");
        if (dev.equals("cpu") && p != Precision.FP32) throw new CliError("--precision", "the CPU backend computes in fp32; fp16 needs --device cuda");
        if (batch < 1) throw new CliError("--batch", "must be at least 1, got " + batch);
        if (frames != null && frames < 1) throw new CliError("--frames", "must be at least 1, got " + frames);

        // the decoder's plan needs the decode path only: a checkpoint's encoder is a third of its file
        DacCheckpoint checkpoint = encoder ? DacCheckpoint.load(weights) : DacCheckpoint.loadDecoder(weights);
        DacModel model = DacModel.load(checkpoint);
        // The CUDA sizing is a static policy: it loads no native library, so plans for the GPU work on any machine.
        ScratchPolicy scratch = dev.equals("cpu") ? ScratchPolicy.NONE : CudaSizing.scratch();
        int chunk = step.chunkFrames == null ? DecoderOptions.DEFAULT_STEP_FRAMES : step.chunkFrames;
        if (chunk < 0) throw new CliError("--chunk-frames", "must be >= 0, got " + chunk);
        boolean whole = step.memoryBudget == null && chunk == 0;
        if (whole && frames == null) throw new CliError("--chunk-frames", "0 plans the whole sequence in one step: give its length with --frames T");
        DecoderOptions options = DecoderOptions.defaults().withBatch(batch).withStepFrames(chunk)
                .withMemoryBudget(step.memoryBudget == null ? 0 : step.memoryBudget);
        int stepFrames;
        try {
            // The step a Decoder with these options would run (the largest within a budget, the step, or whole + look-ahead).
            stepFrames = Decoder.stepFrames(model, options, p.bytes(), scratch, whole ? frames : 0);
        } catch (IllegalArgumentException e) {
            throw new CliError("--memory-budget", e.getMessage());
        }
        Program.Builder builder = encoder
                ? Program.encoder(io.github.dac4j.core.model.EncoderModel.load(checkpoint, model.quantizer()))
                : Program.decoder(model);
        if (encoder && whole) throw new CliError("--chunk-frames", "the encoder runs in steps: give --chunk-frames N (N >= 1)");
        if (encoder && step.memoryBudget != null) throw new CliError("--memory-budget", "sizes the decoder's step; plan the encoder with --chunk-frames N");
        Program program = builder.streams(batch).stepFrames(stepFrames).activationBytes(p.bytes()).scratch(scratch).build();
        MemoryPlan plan = program.plan();
        long scratchBytes = plan.buffers().stream().filter(b -> b.name().contains("@")).mapToLong(b -> b.request().bytes()).sum();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(planMap(program, dev, p, step.memoryBudget)));
        } else {
            out.printf("%s step %d frames (%d samples), batch %d, %s on %s, look-ahead %d frames%n", encoder ? "encoder" : "decoder", stepFrames,
                    (long) stepFrames * model.config().hop(), batch, p, dev, program.lookaheadFrames());
            if (step.memoryBudget != null) out.printf("memory budget %d bytes: the largest step that fits is %d frames%n", step.memoryBudget, stepFrames);
            if (scratchBytes > 0) out.printf("%s backend scratch: %d requests, %d bytes in all, each live during its op only%n",
                    dev, plan.buffers().stream().filter(b -> b.name().contains("@")).count(), scratchBytes);
            out.printf("%n%d ops of one step (reads -> writes):%n", program.ops().size());
            out.print(program.listing());
            out.printf("%nbuffers (live: the first and last op that touches each):%n");
            out.print(plan.table());
            out.printf("arena bytes: %d%n", plan.arenaBytes());
        }
        out.flush();
        return 0;
    }

    static Map<String, Object> planMap(Program program, String device, Precision p, Long budget) {
        MemoryPlan plan = program.plan();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("program", program.stages().get(0).name().equals("audio") ? "encoder" : "decoder");
        m.put("device", device);
        m.put("precision", p.toString());
        m.put("batch", program.streams());
        m.put("step_frames", program.stepFrames());
        m.put("lookahead_frames", program.lookaheadFrames());
        if (budget != null) m.put("memory_budget", budget);
        m.put("workspace_bytes", plan.buffers().stream().filter(b -> b.name().contains("@")).mapToLong(b -> b.request().bytes()).sum());
        m.put("arena_bytes", plan.arenaBytes());
        m.put("live_bytes", plan.liveBytes());
        List<Map<String, Object>> ops = new ArrayList<>();
        for (int i = 0; i < program.ops().size(); i++) {
            var op = program.ops().get(i);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("index", i);
            e.put("op", op.label());
            e.put("reads", op.reads().stream().map(b -> b.name()).toList());
            e.put("writes", op.writes().stream().map(b -> b.name()).toList());
            e.put("scratch", program.scratch(i).values().stream().map(b -> b.name()).toList());
            ops.add(e);
        }
        m.put("ops", ops);
        List<Map<String, Object>> buffers = new ArrayList<>();
        for (PlannedBuffer b : plan.buffers()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", b.name());
            e.put("shape", b.request().shape());
            e.put("bytes", b.request().bytes());
            e.put("offset", b.offset());
            e.put("first_op", b.request().firstUse());
            e.put("last_op", b.request().lastUse());
            e.put("producer", b.request().producer());
            buffers.add(e);
        }
        m.put("buffers", buffers);
        return m;
    }
}
