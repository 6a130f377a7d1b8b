package io.github.dac4j.cuda;

import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.plan.BufferRequest;
import io.github.dac4j.core.program.ArenaBuffer;
import io.github.dac4j.core.program.Conv;
import io.github.dac4j.core.program.ConvTranspose;
import io.github.dac4j.core.program.Op;
import io.github.dac4j.core.program.Program;
import io.github.dac4j.core.program.Stage;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scratch the CUDA backend asks for is a formula of each op and the step: no GPU needed to plan it. */
class CudaSizingTest {
    private static Program program(DacModel model, int streams, int frames, Precision p) {
        return Program.decoder(model).streams(streams).stepFrames(frames).activationBytes(p.bytes()).scratch(CudaSizing.scratch()).build();
    }

    @Test
    void smallModelByHand() throws Exception {
        DacModel model = DacModel.load(DacSynth.checkpoint(DacConfig.small(), 1));
        Program p = program(model, 2, 10, Precision.FP16);
        // block.1.res_unit3.conv1: Snake window (6*9 + 10*16) rows * 24 channels * 2 streams * 2 bytes = 20544 -> 20736
        int i = indexOf(p, "conv decoder.block.1.res_unit3.conv1");
        Map<String, ArenaBuffer> s = p.scratch(i);
        assertEquals(20_736, p.plan().get(s.get("snake").name()).request().bytes());
        assertEquals(CudaSizing.CUDNN_WORKSPACE_MIN, p.plan().get(s.get("cudnn").name()).request().bytes());
        // decoder.conv1 has no Snake: cuDNN workspace only
        assertEquals(Map.of("cudnn", p.scratch(indexOf(p, "conv decoder.conv1")).get("cudnn")), p.scratch(indexOf(p, "conv decoder.conv1")));
    }

    @Test
    void everyConvolutionGetsItsScratchLiveDuringItsOpOnly() throws Exception {
        for (DacConfig config : new DacConfig[] {DacConfig.tiny(), DacConfig.small()}) {
            DacModel model = DacModel.load(DacSynth.checkpoint(config, 2));
            for (Precision precision : Precision.values()) {
                for (int streams : new int[] {1, 3}) {
                    for (int frames : new int[] {1, 7, 86, 400}) {
                        Program p = program(model, streams, frames, precision);
                        for (int i = 0; i < p.ops().size(); i++) {
                            Op op = p.ops().get(i);
                            Stage stage = op instanceof Conv c ? c.stage() : op instanceof ConvTranspose t ? t.stage() : null;
                            boolean snake = op instanceof Conv c ? c.prologue() != null : op instanceof ConvTranspose t && t.prologue() != null;
                            if (stage == null) {
                                assertTrue(p.scratch(i).isEmpty(), op.label());
                                continue;
                            }
                            long window = ((long) stage.history() + (long) frames * stage.inRate()) * stage.inChannels() * streams * precision.bytes();
                            BufferRequest cudnn = p.plan().get(p.scratch(i).get("cudnn").name()).request();
                            assertTrue(cudnn.bytes() >= CudaSizing.CUDNN_WORKSPACE_MIN && cudnn.bytes() <= CudaSizing.CUDNN_WORKSPACE_MAX, op.label());
                            assertEquals(i, cudnn.firstUse());
                            assertEquals(i, cudnn.lastUse());
                            if (snake) {
                                BufferRequest r = p.plan().get(p.scratch(i).get("snake").name()).request();
                                assertTrue(r.bytes() >= window && r.bytes() % 256 == 0, op.label() + ": " + r.bytes() + " < " + window);
                                assertEquals(i, r.firstUse());
                            } else {
                                assertTrue(!p.scratch(i).containsKey("snake"), op.label());
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void cudnnWorkspaceGrowsWithTheStepAndIsClamped() throws Exception {
        DacModel model = DacModel.load(DacSynth.checkpoint(DacConfig.small(), 3));
        String last = "conv decoder.conv2";
        long[] sizes = new long[3];
        int[] frames = {10, 10_000, 100_000};
        for (int k = 0; k < 3; k++) {
            Program p = program(model, 1, frames[k], Precision.FP16);
            sizes[k] = p.plan().get(p.scratch(indexOf(p, last)).get("cudnn").name()).request().bytes();
        }
        assertEquals(CudaSizing.CUDNN_WORKSPACE_MIN, sizes[0]);
        assertTrue(sizes[1] > sizes[0], "grows: " + sizes[1]);
        assertEquals(CudaSizing.CUDNN_WORKSPACE_MAX, sizes[2]);
    }

    private static int indexOf(Program p, String label) {
        for (int i = 0; i < p.ops().size(); i++) if (p.ops().get(i).label().equals(label)) return i;
        throw new AssertionError("no op " + label);
    }
}
