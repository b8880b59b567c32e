package dev.ep4j.cuda;

/** Child-JVM probe for {@link NvshmemHostTest}: prints what the loader found, one key=value per line. */
public final class LoaderProbeMain {
    private LoaderProbeMain() {
    }

    /**
     * @param args unused.
     */
    public static void main(final String[] args) {
        final var s = dev.ep4j.cuda.internal.NativeLoader.state();
        System.out.println("library=" + (s.libraryError() == null ? "loaded" : s.libraryError()));
        System.out.println("fallback=" + s.fallbackLoaded());
        System.out.println("nvshmem=" + (s.nvshmemError() == null ? "available" : s.nvshmemError()));
        System.out.println("gpu=" + (s.gpuError() == null ? "available" : s.gpuError()));
        if (s.libraryError() == null) {
            System.out.println("build=" + Cuda.buildInfo());
        }
    }
}
