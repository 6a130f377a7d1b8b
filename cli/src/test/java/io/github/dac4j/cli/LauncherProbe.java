package io.github.dac4j.cli;

/**
 * The main class of the stand-in dac.jar that {@link LauncherTest} runs through the launcher script: it prints
 * whether the Vector API module is resolved, a system property and its arguments, then exits with status 3.
 */
public final class LauncherProbe {
    private LauncherProbe() {}

    /** Prints {@code vector=<bool>}, {@code thp=<UseTransparentHugePages>}, {@code prop=<dac4j.probe>} and {@code args=<a>|<b>|...}; exits 3. */
    public static void main(String[] args) {
        System.out.println("vector=" + ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        System.out.println("thp=" + java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("UseTransparentHugePages").getValue());
        System.out.println("prop=" + System.getProperty("dac4j.probe"));
        System.out.println("args=" + String.join("|", args));
        System.exit(3);
    }
}
