/**
 * The {@code dac} command line, built on picocli: {@code decode} (codes in a {@code .npy} to 16-bit WAV, optionally
 * float32 samples and statistics), {@code info} (what a checkpoint holds), {@code synth} (a random-weight checkpoint)
 * and {@code plan} (the memory plan and exact arena bytes of one decode step, without a GPU).
 *
 * <p>{@link io.github.dac4j.cli.Main#main} is the entry point; tests call
 * {@link io.github.dac4j.cli.Main#run(String[], java.io.PrintStream, java.io.PrintStream)}, which returns the exit
 * code instead of exiting: 0 success, 2 bad input or usage, 1 an internal failure. Errors are one line on stderr,
 * and outputs appear all together or not at all. See cli/README.md for the options.
 */
package io.github.dac4j.cli;
