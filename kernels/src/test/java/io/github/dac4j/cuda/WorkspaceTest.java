package io.github.dac4j.cuda;

import io.github.dac4j.core.Decoder;
import io.github.dac4j.core.Precision;
import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.model.DecoderBlock;
import io.github.dac4j.core.model.ResidualUnit;
import io.github.dac4j.core.plan.MemoryPlan;
import io.github.dac4j.weights.DacConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The workspace the CUDA backend asks for is a formula of the model and the step: no GPU needed to plan it. */
class WorkspaceTest {
    @Test
    void smallModelByHand() throws Exception {
        DacModel model = DacModel.load(TestModels.checkpoint(DacConfig.small(), 1));
        // widest Snake window: block 1's res units, (6*9 + 10*16) rows * 24 channels * 2 streams * 2 bytes = 20544,
        // rounded to 20736; cuDNN part clamped up to 4 MiB. fp32: 41088 rounded to 41216
        assertEquals(20_736 + 4_194_304, CudaBackend.workspaceBytesFor(model, 2, 10, Precision.FP16));
        assertEquals(41_216 + 4_194_304, CudaBackend.workspaceBytesFor(model, 2, 10, Precision.FP32));
    }

    @Test
    void scratchCoversEverySnakeWindowAndThePlanReservesExactlyIt() throws Exception {
        DacModel model = DacModel.load(TestModels.checkpoint(DacConfig.tiny(), 2));
        for (Precision p : Precision.values()) {
            for (int streams : new int[] {1, 3}) {
                for (int frames : new int[] {1, 7, 86, 400}) {
                    long scratch = CudaBackend.snakeScratchBytes(model, streams, frames, p);
                    long ws = CudaBackend.workspaceBytesFor(model, streams, frames, p);
                    long cudnn = ws - scratch;
                    assertTrue(cudnn >= CudaBackend.CUDNN_WORKSPACE_MIN && cudnn <= CudaBackend.CUDNN_WORKSPACE_MAX);
                    assertEquals(0, scratch % 256);
                    int rate = 1;
                    for (DecoderBlock b : model.blocks()) {
                        assertTrue(scratch >= (2L + frames * rate) * b.convT1().inChannels() * streams * p.bytes());
                        rate *= b.stride();
                        for (ResidualUnit u : b.resUnits()) {
                            assertTrue(scratch >= ((long) u.conv1().span() + frames * rate) * u.conv1().inChannels() * streams * p.bytes());
                        }
                    }
                    assertTrue(scratch >= (6L + frames * rate) * model.conv2().inChannels() * streams * p.bytes());
                    MemoryPlan plan = Decoder.planFor(model, streams, frames, p.bytes(), ws);
                    assertEquals(ws, plan.get("workspace").request().bytes());
                }
            }
        }
    }

    @Test
    void growsWithTheStepAndIsClampedForLargeOnes() throws Exception {
        DacModel model = DacModel.load(TestModels.checkpoint(DacConfig.small(), 3));
        long a = CudaBackend.workspaceBytesFor(model, 1, 10, Precision.FP16);
        long b = CudaBackend.workspaceBytesFor(model, 1, 1000, Precision.FP16);
        long c = CudaBackend.workspaceBytesFor(model, 1, 100_000, Precision.FP16);
        assertTrue(a < b && b < c);
        long scratch = CudaBackend.snakeScratchBytes(model, 1, 100_000, Precision.FP16);
        assertEquals(scratch + CudaBackend.CUDNN_WORKSPACE_MAX, c);
    }
}
