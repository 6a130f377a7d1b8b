/**
 * One decode step as data. A {@link io.github.dac4j.core.program.Program} is the list of
 * {@link io.github.dac4j.core.program.Op}s of one step (codebook sum, restore history, convolutions, masks, save
 * history, emit samples) over {@link io.github.dac4j.core.program.ArenaBuffer}s placed in one arena by the memory
 * planner, which reads every buffer's lifetime from the ops that touch it. Each layer is a
 * {@link io.github.dac4j.core.program.Stage}: a windowed op with a few history rows and a delay, whose timing makes a
 * stream of steps compute exactly what a whole sequence does. A {@link io.github.dac4j.core.program.Step} is what the
 * ops read at run time; a backend's {@link io.github.dac4j.core.program.ScratchPolicy} adds its per-op scratch to the
 * plan.
 */
package io.github.dac4j.core.program;
