/**
 * Memory planning for one decode step: every buffer the step needs, given as a
 * {@link io.github.dac4j.core.plan.BufferRequest} (size and lifetime in ops), is placed in one arena by
 * {@link io.github.dac4j.core.plan.MemoryPlanner}, a best-fit allocator after ggml's. The result, a
 * {@link io.github.dac4j.core.plan.MemoryPlan} of {@link io.github.dac4j.core.plan.PlannedBuffer}s, is a pure
 * function of the requests, so a plan can be computed and reported with no device.
 */
package io.github.dac4j.core.plan;
