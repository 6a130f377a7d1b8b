package io.github.dac4j.cuda;

import io.github.dac4j.core.Precision;
import jcuda.Pointer;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;
import jcuda.driver.JITOptions;
import jcuda.jcudnn.JCudnn;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The first thing to run on a GPU machine, under {@code LD_BIND_NOW=1} so that a missing native symbol fails
 * here, at load, instead of killing a later test: loads JCuda's driver natives and JCudnn's, prints the versions and
 * the device, JIT-compiles the PTX with {@code cuModuleLoadDataEx} (through JCuda's {@code cuModuleLoadDataJIT}) and
 * prints the JIT's error and info logs and every entry found, then opens a backend in each precision (context,
 * stream, cuDNN handle, PTX module) and closes it. Exit status 0 only if all of that worked; each step prints one
 * {@code SMOKE} line, so the first failing one is named even when a later one crashes the JVM.
 */
public final class NativeSmoke {
    private NativeSmoke() {}

    private static final int LOG_BYTES = 64 << 10;

    /** Runs the smoke test; exits 1 on the first failure. */
    public static void main(String[] args) {
        var reason = new CudaBackendProvider().unavailableReason();
        if (reason.isPresent()) {
            System.out.println("SMOKE FAIL probe: " + reason.get());
            System.exit(1);
        }
        int failures = 0;
        int[] driver = new int[1];
        JCudaDriver.cuDriverGetVersion(driver);
        System.out.println("SMOKE ok natives: driver API version " + driver[0] + ", cudnnGetVersion " + JCudnn.cudnnGetVersion()
                + ", cudnnGetCudartVersion " + JCudnn.cudnnGetCudartVersion());
        CUdevice device = new CUdevice();
        JCudaDriver.cuDeviceGet(device, 0);
        byte[] name = new byte[256];
        JCudaDriver.cuDeviceGetName(name, name.length, device);
        int[] major = new int[1], minor = new int[1];
        JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        System.out.println("SMOKE ok device: " + cString(name) + ", compute capability " + major[0] + "." + minor[0]);
        try {
            jit(device);
        } catch (Throwable t) {
            failures++;
            System.out.println("SMOKE FAIL ptx: " + CudaProbe.oneLine(t));
        }
        for (Precision p : Precision.values()) {
            try (CudaBackend b = new CudaBackend(p, 0)) {
                System.out.println("SMOKE ok backend " + p + ": opened and closed: " + b.device());
            } catch (Throwable t) {
                failures++;
                System.out.println("SMOKE FAIL backend " + p + ": " + CudaProbe.oneLine(t));
            }
        }
        System.out.println(failures == 0 ? "SMOKE OK" : "SMOKE FAIL: " + failures + " step(s) failed");
        System.exit(failures == 0 ? 0 : 1);
    }

    /** JIT-compiles the shipped PTX in a primary context of its own, with verbose logs, and looks up every entry. */
    private static void jit(CUdevice device) throws IOException {
        byte[] ptx;
        try (InputStream in = NativeSmoke.class.getResourceAsStream(PtxKernels.PTX)) {
            if (in == null) throw new IllegalStateException("resource " + PtxKernels.PTX + " not found");
            byte[] text = in.readAllBytes();
            ptx = Arrays.copyOf(text, text.length + 1);   // NUL-terminated
        }
        var context = new jcuda.driver.CUcontext();
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        try {
            JCudaDriver.cuCtxSetCurrent(context);
            JITOptions jit = new JITOptions();
            jit.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[LOG_BYTES]);
            jit.putInt(CUjit_option.CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, LOG_BYTES);
            jit.putBytes(CUjit_option.CU_JIT_INFO_LOG_BUFFER, new byte[LOG_BYTES]);
            jit.putInt(CUjit_option.CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, LOG_BYTES);
            jit.putInt(CUjit_option.CU_JIT_LOG_VERBOSE, 1);
            CUmodule module = new CUmodule();
            RuntimeException failure = null;
            long t = System.nanoTime();
            try {
                JCudaDriver.cuModuleLoadDataJIT(module, Pointer.to(ptx), jit);
            } catch (RuntimeException e) {
                failure = e;
            }
            System.out.printf("PTX JIT (%.0f ms): %s%n", (System.nanoTime() - t) / 1e6, failure == null ? "loaded" : CudaProbe.oneLine(failure));
            System.out.println("PTX JIT error log: " + log(jit, CUjit_option.CU_JIT_ERROR_LOG_BUFFER));
            System.out.println("PTX JIT info log: " + log(jit, CUjit_option.CU_JIT_INFO_LOG_BUFFER));
            if (failure != null) throw failure;
            try {
                StringBuilder found = new StringBuilder();
                for (String entry : PtxTest.entries(new String(ptx, 0, ptx.length - 1, StandardCharsets.US_ASCII)).keySet()) {
                    JCudaDriver.cuModuleGetFunction(new CUfunction(), module, entry);
                    found.append(' ').append(entry);
                }
                System.out.println("SMOKE ok ptx: every entry found:" + found);
            } finally {
                JCudaDriver.cuModuleUnload(module);
            }
        } finally {
            JCudaDriver.cuDevicePrimaryCtxRelease(device);
        }
    }

    /** A JIT log buffer as text, up to its NUL; "(empty)" if the JIT wrote nothing. */
    private static String log(JITOptions jit, int option) {
        byte[] bytes = jit.getBytes(option);
        String text = bytes == null ? "" : cString(bytes).trim();
        return text.isEmpty() ? "(empty)" : text.replace("\n", "\n    ");
    }

    private static String cString(byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) n++;
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }
}
