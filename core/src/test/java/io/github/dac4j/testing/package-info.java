/** Test support shared through core's test jar: the error measure, random inputs, the PyTorch reference fixtures. */
package io.github.dac4j.testing;
