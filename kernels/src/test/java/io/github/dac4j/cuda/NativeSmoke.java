package io.github.dac4j.cuda;

import io.github.dac4j.core.Precision;
import jcuda.driver.JCudaDriver;
import jcuda.jcudnn.JCudnn;

/**
 * The first thing to run on a GPU machine, under {@code LD_BIND_NOW=1} so that a missing native symbol fails
 * here, at load, instead of killing a later test: loads JCuda's driver natives and JCudnn's, prints the versions,
 * opens a backend in each precision (context, stream, cuDNN handle, PTX module) and closes it.
 * Exit status 0 only if all of that worked.
 */
public final class NativeSmoke {
    private NativeSmoke() {}

    public static void main(String[] args) {
        var reason = new CudaBackendProvider().unavailableReason();
        if (reason.isPresent()) {
            System.out.println("SMOKE FAIL: " + reason.get());
            System.exit(1);
        }
        int[] driver = new int[1];
        JCudaDriver.cuDriverGetVersion(driver);
        System.out.println("driver API version " + driver[0] + ", cudnnGetVersion " + JCudnn.cudnnGetVersion()
                + ", cudnnGetCudartVersion " + JCudnn.cudnnGetCudartVersion());
        for (Precision p : Precision.values()) {
            try (CudaBackend b = new CudaBackend(p, 0)) {
                System.out.println("opened and closed: " + b.device());
            }
        }
        System.out.println("SMOKE OK");
    }
}
