package dev.ep4j.cuda;

import dev.ep4j.api.error.BackendUnavailableException;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import dev.ep4j.cuda.internal.NativeLoader;

/**
 * Entry point of the cuda backend's native side: whether {@code libep4j_kernels.so} loaded, whether a usable GPU is
 * present, whether NVSHMEM is usable, and why not (Netty's {@code Epoll.isAvailable()} /
 * {@code unavailabilityCause()} pattern). The probe runs once, on first use, and never throws; tests use
 * {@code assumeTrue(Cuda.isAvailable(), Cuda.unavailableReason())}.
 *
 * <p>The three levels:
 * <ul>
 *   <li>{@link #isLibraryLoaded()}: the kernels and their JNI glue are loaded (no GPU needed: versions, NVSHMEM
 *       unique ids);</li>
 *   <li>{@link #isAvailable()}: additionally a CUDA driver and a compute capability 9.0 GPU (H100/H200/H800) are
 *       present, so kernels can run;</li>
 *   <li>{@link #isNvshmemAvailable()}: the NVSHMEM host wrapper can be used (a missing NVSHMEM disables only
 *       what needs it).</li>
 * </ul>
 *
 * <p>Thread-safe; all methods are static.
 */
public final class Cuda {
    private Cuda() {
    }

    /**
     * @return true when the native library loaded and a usable sm_90 GPU is present.
     */
    public static boolean isAvailable() {
        return NativeLoader.state().gpuError() == null;
    }

    /**
     * @return why {@link #isAvailable()} is false (the cause and the fix), or an empty string when available.
     */
    public static String unavailableReason() {
        final String e = NativeLoader.state().gpuError();
        return e == null ? "" : e;
    }

    /**
     * @return true when {@code libep4j_kernels.so} and its JNI glue are loaded (a GPU is not needed).
     */
    public static boolean isLibraryLoaded() {
        return NativeLoader.state().libraryError() == null;
    }

    /**
     * @return why the library is not loaded, or an empty string when it is.
     */
    public static String libraryUnavailableReason() {
        final String e = NativeLoader.state().libraryError();
        return e == null ? "" : e;
    }

    /**
     * @return true when the NVSHMEM host wrapper can be used (library built with NVSHMEM, host library loaded,
     *     preflight passed). A GPU is needed only for {@link Nvshmem#init}.
     */
    public static boolean isNvshmemAvailable() {
        return NativeLoader.state().nvshmemError() == null;
    }

    /**
     * @return why NVSHMEM cannot be used, or an empty string when it can.
     */
    public static String nvshmemUnavailableReason() {
        final String e = NativeLoader.state().nvshmemError();
        return e == null ? "" : e;
    }

    /**
     * @return the path of the {@code libnvshmem_host.so.3} that was loaded, or null.
     */
    public static String nvshmemLibrary() {
        return NativeLoader.state().nvshmemLibrary();
    }

    /**
     * @throws BackendUnavailableException naming the cause when no GPU can be used.
     */
    public static void ensureAvailable() {
        if (!isAvailable()) {
            throw new BackendUnavailableException("cuda: " + unavailableReason());
        }
    }

    /**
     * @throws BackendUnavailableException naming the cause when the library is not loaded.
     */
    public static void ensureLibraryLoaded() {
        if (!isLibraryLoaded()) {
            throw new BackendUnavailableException("cuda: " + libraryUnavailableReason());
        }
    }

    /**
     * @return {@code EP4J_ABI_VERSION} of the loaded library (major·10000 + minor·100 + patch).
     */
    public static int abiVersion() {
        ensureLibraryLoaded();
        return Ep4jKernels.ep4j_abi_version();
    }

    /**
     * @return a one-line build description, e.g. {@code "ep4j_kernels 1.0.0 nvcc 13.0 sm_90a nvshmem 3.4.5"}.
     */
    public static String buildInfo() {
        ensureLibraryLoaded();
        return Ep4jKernels.ep4j_build_info().getString();
    }

    /**
     * @return the statically linked CUDA runtime's version (e.g. 13000).
     */
    public static int runtimeVersion() {
        ensureLibraryLoaded();
        return Ep4jKernels.ep4j_cuda_runtime_version();
    }

    /**
     * @return the CUDA driver's version, 0 when there is no driver.
     */
    public static int driverVersion() {
        ensureLibraryLoaded();
        return Ep4jKernels.ep4j_cuda_driver_version();
    }

    /**
     * @return the number of visible CUDA devices.
     * @throws BackendUnavailableException when no GPU can be used.
     */
    public static int deviceCount() {
        ensureAvailable();
        return NativeErrors.check(Ep4jKernels.ep4j_device_count(), "Cuda.deviceCount");
    }

    /**
     * @param device a device ordinal.
     * @return its name, SM count, compute capability and memory.
     * @throws BackendUnavailableException when no GPU can be used.
     */
    public static DeviceInfo device(final int device) {
        ensureAvailable();
        final byte[] name = new byte[256];
        NativeErrors.check(Ep4jKernels.ep4j_device_name(device, name, name.length), "Cuda.device");
        final long[] mem = new long[1];
        NativeErrors.check(Ep4jKernels.ep4j_device_total_memory(device, mem), "Cuda.device");
        final int cc = NativeErrors.check(Ep4jKernels.ep4j_device_cc(device), "Cuda.device");
        return new DeviceInfo(device, NativeLoader.cString(name),
            NativeErrors.check(Ep4jKernels.ep4j_device_sm_count(device), "Cuda.device"), cc / 10, cc % 10, mem[0]);
    }

    /**
     * Makes {@code device} current for the calling thread.
     *
     * @param device a device ordinal.
     */
    public static void setDevice(final int device) {
        ensureAvailable();
        NativeErrors.check(Ep4jKernels.ep4j_set_device(device), "Cuda.setDevice");
    }

    /**
     * @return the calling thread's current device.
     */
    public static int currentDevice() {
        ensureAvailable();
        return NativeErrors.check(Ep4jKernels.ep4j_get_device(), "Cuda.currentDevice");
    }

    /**
     * Waits for all work on the current device.
     */
    public static void synchronize() {
        ensureAvailable();
        NativeErrors.check(Ep4jKernels.ep4j_device_synchronize(), "Cuda.synchronize");
    }

    /**
     * @return a few lines describing the library, the GPU and NVSHMEM, for logs and benchmark headers.
     */
    public static String summary() {
        final StringBuilder sb = new StringBuilder();
        if (!isLibraryLoaded()) {
            return sb.append("native library: NOT LOADED: ").append(libraryUnavailableReason()).toString();
        }
        sb.append("native library: ").append(buildInfo()).append(", CUDA runtime ").append(runtimeVersion())
            .append(", driver ").append(driverVersion()).append('\n');
        if (isAvailable()) {
            final int n = deviceCount();
            for (int d = 0; d < n; d++) {
                sb.append("device ").append(d).append(": ").append(device(d)).append('\n');
            }
        } else {
            sb.append("GPU: UNAVAILABLE: ").append(unavailableReason()).append('\n');
        }
        sb.append("NVSHMEM: ").append(isNvshmemAvailable()
            ? "available (" + (nvshmemLibrary() == null ? "found by the dynamic linker" : nvshmemLibrary()) + ")"
            : "UNAVAILABLE: " + nvshmemUnavailableReason());
        return sb.toString();
    }
}
