package dev.ep4j.cuda;

/**
 * What {@link Cuda#device(int)} reports about one GPU. Immutable.
 *
 * @param ordinal          the CUDA device ordinal.
 * @param name             the device name, e.g. "NVIDIA H100 80GB HBM3".
 * @param multiprocessors  number of SMs.
 * @param ccMajor          compute capability, major part (9 for Hopper).
 * @param ccMinor          compute capability, minor part.
 * @param totalMemoryBytes device memory in bytes.
 */
public record DeviceInfo(int ordinal, String name, int multiprocessors, int ccMajor, int ccMinor,
                         long totalMemoryBytes) {
    @Override
    public String toString() {
        return name + ", " + multiprocessors + " SMs, sm_" + ccMajor + ccMinor + ", "
            + (totalMemoryBytes >> 20) + " MiB";
    }
}
