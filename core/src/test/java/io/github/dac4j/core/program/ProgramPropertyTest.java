package io.github.dac4j.core.program;

import io.github.dac4j.core.model.DacModel;
import io.github.dac4j.core.plan.PlannedBuffer;
import io.github.dac4j.weights.DacConfig;
import io.github.dac4j.weights.DacSynth;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Over random models (1 to 4 blocks, strides 2 to 8, odd ones included) and random steps, batches and element sizes,
 * with and without per-op scratch, the program's plan is safe: every buffer an op touches is live at that op, no two
 * buffers live at a common op share a byte, and every op's rows stay inside its buffers at the largest step.
 */
class ProgramPropertyTest {
    /** Scratch like a GPU backend's: some bytes per convolution, live during its op. */
    private static final ScratchPolicy SCRATCH = (op, stepFrames, bytes) ->
            op instanceof Conv || op instanceof ConvTranspose ? List.of(new ScratchPolicy.Scratch("work", 1000 + 37L * stepFrames)) : List.of();

    @Test
    void randomModelsAndStepsGiveSafePlans() throws Exception {
        SplittableRandom rnd = new SplittableRandom(20261128);
        for (int trial = 0; trial < 120; trial++) {
            int blocks = 1 + rnd.nextInt(4);
            int[] strides = new int[blocks];
            for (int b = 0; b < blocks; b++) strides[b] = 2 + rnd.nextInt(7);
            int width = (4 + rnd.nextInt(5)) << blocks;
            DacConfig config = new DacConfig(4 + rnd.nextInt(12), width, strides, 1 + rnd.nextInt(3), 8, 2, 44_100);
            DacModel model = DacModel.load(DacSynth.checkpoint(config, trial));
            int streams = 1 + rnd.nextInt(3), step = 1 + rnd.nextInt(40), bytes = rnd.nextBoolean() ? 2 : 4;
            Program p = Program.decoder(model).streams(streams).stepFrames(step).activationBytes(bytes)
                    .scratch(rnd.nextBoolean() ? SCRATCH : ScratchPolicy.NONE).build();
            String where = config + ", " + streams + " streams, step " + step;
            checkLifetimesAndOverlaps(p, where);
            checkRowBounds(p, step, where);
        }
    }

    private static void checkLifetimesAndOverlaps(Program p, String where) {
        List<PlannedBuffer> buffers = p.plan().buffers();
        for (int i = 0; i < p.ops().size(); i++) {
            Op op = p.ops().get(i);
            List<ArenaBuffer> touched = new ArrayList<>(op.reads());
            touched.addAll(op.writes());
            touched.addAll(p.scratch(i).values());
            for (ArenaBuffer b : touched) {
                var r = p.plan().get(b.name()).request();
                assertTrue(r.firstUse() <= i && i <= r.lastUse(), where + ": " + b.name() + " not live at op " + i + " " + op.label());
                assertEquals(p.plan().get(b.name()).offset(), b.offset(), where + ": " + b.name() + " placed elsewhere than planned");
            }
        }
        for (int a = 0; a < buffers.size(); a++) {
            for (int b = a + 1; b < buffers.size(); b++) {
                PlannedBuffer x = buffers.get(a), y = buffers.get(b);
                assertFalse(x.request().overlapsInTime(y.request()) && x.overlapsInSpace(y),
                        where + ": " + x.name() + " and " + y.name() + " overlap while both live");
            }
            assertTrue(buffers.get(a).end() <= p.plan().arenaBytes(), where + ": " + buffers.get(a).name() + " past the arena");
        }
    }

    private static void checkRowBounds(Program p, int step, String where) {
        for (Op op : p.ops()) {
            if (op instanceof Conv c) {
                int n = c.stage().outputRows(step);
                assertTrue(c.in().rows() >= (n - 1) * c.conv().stride() + c.conv().span() + 1, where + ": " + op.label() + " reads past its window");
                assertTrue(c.out().rows() >= c.outRow() + n, where + ": " + op.label() + " writes past its output");
                if (c.residual() != null) assertTrue(c.residual().rows() >= c.residualRow() + n, where + ": residual of " + op.label());
            } else if (op instanceof ConvTranspose t) {
                int n = t.stage().inputRows(step);
                assertTrue(t.in().rows() >= n + 2, where + ": " + op.label() + " reads past its window");
                assertTrue(t.out().rows() >= t.outRow() + n * t.conv().stride(), where + ": " + op.label() + " writes past its output");
            } else if (op instanceof RestoreHistory r) {
                assertEquals(r.stage().history(), r.history().rows(), where + ": " + op.label());
                assertTrue(r.in().rows() >= r.stage().history() + r.stage().inputRows(step), where + ": " + op.label());
            } else if (op instanceof SaveHistory s) {
                assertTrue(s.in().rows() >= s.stage().inputRows(step) + s.stage().history(), where + ": " + op.label());
            } else if (op instanceof MaskRows m) {
                assertTrue(m.buffer().rows() >= m.row() + m.stage().outputRows(step), where + ": " + op.label());
            } else if (op instanceof CodebookSum q) {
                assertTrue(q.out().rows() >= q.outRow() + step, where + ": " + op.label());
            } else if (op instanceof EmitSamples e) {
                assertTrue(e.samples().rows() >= e.stage().outputRows(step), where + ": " + op.label());
            }
        }
    }

    /** The look-ahead, from the graph: 10 frames for the 44.1 kHz model, as docs/MODEL.md derives. */
    @Test
    void lookaheadOfThePublishedShapes() throws Exception {
        assertEquals(10, Program.decoderLookaheadFrames(DacModel.load(DacSynth.checkpoint(DacConfig.dac44khz(), 1))));
    }
}
