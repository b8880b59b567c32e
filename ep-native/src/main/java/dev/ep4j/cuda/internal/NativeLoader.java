package dev.ep4j.cuda.internal;

import dev.ep4j.cuda.binding.Ep4jKernels;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Loader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads {@code libep4j_kernels.so} and its JavaCPP glue once, and remembers why it could not (Netty's
 * {@code Epoll.UNAVAILABILITY_CAUSE} pattern). Never throws, not even at class initialisation.
 *
 * <p>Order of work, done once on first use:
 * <ol>
 *   <li>{@code -Dep4j.cuda.noNative=true} turns everything off with a message saying so.</li>
 *   <li>The glue must be on the class path ({@code dev/ep4j/cuda/binding/linux-x86_64/libjniEp4jKernels.so},
 *       only in a jar built where nvcc exists) or on {@code java.library.path} /
 *       {@code org.bytedeco.javacpp.platform.linkpath}.</li>
 *   <li>NVSHMEM: {@code libnvshmem_host.so.3} is {@code System.load}ed from its own folder
 *       ({@code -Dep4j.nvshmem.home}, else {@code $NVSHMEM_HOME}, else the Python package {@code nvidia.nvshmem}
 *       found through {@code python3}), so the kernels' {@code NEEDED} entry is satisfied by SONAME and NVSHMEM
 *       finds its bootstrap plugins next to itself.</li>
 *   <li>{@code Loader.load(Ep4jKernels.class)}. If that fails because the NVSHMEM host library is missing, the
 *       {@code nonvshmem/libep4j_kernels.so} variant (same kernels, no NVSHMEM) is loaded first and the load
 *       retried: a missing NVSHMEM disables only what needs it.</li>
 *   <li>The ABI version of the library must equal {@link Ep4jKernels#ABI_VERSION}.</li>
 *   <li>GPU probe: {@code cudaGetDeviceCount} and the compute capability of device 0 (the kernels are sm_90a
 *       only).</li>
 * </ol>
 *
 * <p>Thread-safe: the state is computed once under the class initialisation lock and is immutable afterwards.
 */
public final class NativeLoader {
    /** System property that turns the native library off. */
    public static final String NO_NATIVE_PROPERTY = "ep4j.cuda.noNative";
    /** System property naming the NVSHMEM folder (holding {@code lib/libnvshmem_host.so.3}). */
    public static final String NVSHMEM_HOME_PROPERTY = "ep4j.nvshmem.home";
    /** System property that disables the {@code python3} probe for NVSHMEM ({@code false}). */
    public static final String PYTHON_PROBE_PROPERTY = "ep4j.nvshmem.probePython";
    /** The compute capability the kernels are compiled for (sm_90a: H100, H200, H800). */
    public static final int REQUIRED_CC = 90;

    private static final Logger LOG = LoggerFactory.getLogger(NativeLoader.class);
    private static final String NVSHMEM_HOST = "libnvshmem_host.so.3";
    private static final State STATE = load();

    private NativeLoader() {
    }

    /**
     * What the one load attempt found.
     *
     * @param libraryError    null when the library is loaded, else why not and the fix.
     * @param gpuError        null when a usable sm_90 GPU is present, else why not (includes {@code libraryError}).
     * @param nvshmemError    null when the NVSHMEM host wrapper is usable, else why not.
     * @param nvshmemLibrary  the {@code libnvshmem_host.so.3} loaded, or null.
     * @param fallbackLoaded  true when the no-NVSHMEM variant of the kernels was loaded.
     */
    public record State(String libraryError, String gpuError, String nvshmemError, String nvshmemLibrary,
                        boolean fallbackLoaded) {
    }

    /**
     * @return the remembered state of the one load attempt.
     */
    public static State state() {
        return STATE;
    }

    private static State load() {
        try {
            return doLoad();
        } catch (Throwable t) { // never let class initialisation fail
            return new State("ep4j native library not loadable: unexpected " + describe(t),
                "ep4j native library not loadable: unexpected " + describe(t), "native library not loaded", null,
                false);
        }
    }

    private static State doLoad() {
        if (Boolean.getBoolean(NO_NATIVE_PROPERTY)) {
            final String why = "the cuda backend's native library is disabled by -D" + NO_NATIVE_PROPERTY + "=true";
            return new State(why, why, why, null, false);
        }
        final String platform = Loader.getPlatform();
        final String dir = "dev/ep4j/cuda/binding/" + platform + "/";
        final boolean bundled = NativeLoader.class.getClassLoader().getResource(dir + "libjniEp4jKernels.so") != null;
        final boolean onPath = findOnLibraryPath("libjniEp4jKernels.so") != null;
        if (!bundled && !onPath) {
            final String why = "this build contains no native code (built without nvcc or with -Dnative.skip=true): "
                + dir + "libjniEp4jKernels.so is not on the class path and not on java.library.path or "
                + "org.bytedeco.javacpp.platform.linkpath; build ep-native where nvcc exists (CUDA_HOME) to get it";
            return new State(why, why, why, null, false);
        }

        // NVSHMEM first, so that libep4j_kernels.so's NEEDED libnvshmem_host.so.3 is already satisfied.
        final List<String> tried = new ArrayList<>();
        String nvshmemLib = null;
        String nvshmemError = null;
        for (final Path candidate : nvshmemCandidates(tried)) {
            if (Files.isRegularFile(candidate)) {
                try {
                    System.load(candidate.toAbsolutePath().toString());
                    nvshmemLib = candidate.toAbsolutePath().toString();
                    break;
                } catch (final UnsatisfiedLinkError e) {
                    nvshmemError = "NVSHMEM host library " + candidate + " failed to load: " + e.getMessage();
                }
            }
        }
        if (nvshmemLib == null && nvshmemError == null) {
            nvshmemError = "NVSHMEM host library not found: set NVSHMEM_HOME (or -D" + NVSHMEM_HOME_PROPERTY
                + ") to the NVSHMEM folder holding lib/" + NVSHMEM_HOST + ", e.g. <site-packages>/nvidia/nvshmem of "
                + "the nvidia-nvshmem-cu13 wheel; looked in "
                + (tried.isEmpty() ? "nothing" : String.join(", ", tried));
        }

        boolean fallback = false;
        Throwable loadFailure = null;
        try {
            Loader.load(Ep4jKernels.class);
        } catch (final Throwable first) {
            loadFailure = first;
            final String firstText = describe(first);
            final boolean nvshmemMissing = nvshmemLib == null && firstText.contains(NVSHMEM_HOST);
            final File variant = nvshmemMissing ? extractFallback(platform) : null;
            if (variant != null) {
                try {
                    System.load(variant.getAbsolutePath());
                    Loader.load(Ep4jKernels.class);
                    fallback = true;
                    loadFailure = null;
                } catch (final Throwable second) {
                    loadFailure = second;
                    second.addSuppressed(first);
                }
            }
        }
        if (loadFailure != null) {
            final StringBuilder why = new StringBuilder("ep4j native library not loadable: ");
            if (nvshmemLib == null && describe(loadFailure).contains(NVSHMEM_HOST)) {
                why.append(nvshmemError).append("; ");
            }
            why.append(describe(loadFailure));
            LOG.debug("ep4j native library not loadable", loadFailure);
            final String text = why.toString();
            return new State(text, text, text, nvshmemLib, false);
        }

        final int abi = Ep4jKernels.ep4j_abi_version();
        if (abi != Ep4jKernels.ABI_VERSION) {
            final String why = "libep4j_kernels.so has ABI version " + abi + " but the Java binding expects "
                + Ep4jKernels.ABI_VERSION + ": the jar and the native library come from different builds; rebuild";
            return new State(why, why, why, nvshmemLib, fallback);
        }
        if (fallback) {
            nvshmemError = nvshmemError + " (loaded the kernels without NVSHMEM instead)";
        } else if (Ep4jKernels.ep4j_nvshmem_built() == 0) {
            nvshmemError = "libep4j_kernels.so was built without NVSHMEM (nvcc found, NVSHMEM not): rebuild with "
                + "NVSHMEM_HOME=<site-packages>/nvidia/nvshmem or NVSHMEM_WHEEL=<nvidia_nvshmem_cu13 wheel>";
        } else if (nvshmemLib == null) {
            nvshmemError = null; // found through LD_LIBRARY_PATH / RUNPATH instead
        }
        if (nvshmemError == null && Ep4jKernels.ep4j_nvshmem_preflight() != 0) {
            nvshmemError = "NVSHMEM preflight failed: " + lastErrorMessage();
        }
        final String gpuError = probeGpu();
        if (gpuError == null) {
            LOG.debug("ep4j native library loaded: {}", Ep4jKernels.ep4j_build_info().getString());
        }
        return new State(null, gpuError, nvshmemError, nvshmemLib, fallback);
    }

    private static String probeGpu() {
        final int n = Ep4jKernels.ep4j_device_count();
        if (n < 0) {
            return "no usable CUDA driver/GPU: " + lastErrorMessage() + " (driver version "
                + Ep4jKernels.ep4j_cuda_driver_version() + ", runtime " + Ep4jKernels.ep4j_cuda_runtime_version()
                + "); run on a machine with an NVIDIA driver >= 580 and a Hopper GPU, or use the sim backend";
        }
        if (n == 0) {
            return "CUDA driver present but no CUDA device is visible (CUDA_VISIBLE_DEVICES="
                + System.getenv("CUDA_VISIBLE_DEVICES") + ")";
        }
        final int cc = Ep4jKernels.ep4j_device_cc(0);
        if (cc != REQUIRED_CC) {
            final byte[] name = new byte[256];
            Ep4jKernels.ep4j_device_name(0, name, name.length);
            return "device 0 (" + cString(name) + ") has compute capability " + (cc / 10) + "." + (cc % 10)
                + " but libep4j_kernels.so holds only sm_90a code (H100/H200/H800)";
        }
        return null;
    }

    /**
     * @return the calling thread's last C API error as one line.
     */
    public static String lastErrorMessage() {
        return Ep4jKernels.ep4j_last_error_message().getString();
    }

    /**
     * @param bytes a NUL-terminated byte string.
     * @return its text up to the first NUL.
     */
    public static String cString(final byte[] bytes) {
        int n = 0;
        while (n < bytes.length && bytes[n] != 0) {
            n++;
        }
        return new String(bytes, 0, n, StandardCharsets.UTF_8);
    }

    private static File extractFallback(final String platform) {
        try {
            return Loader.cacheResource(Ep4jKernels.class, platform + "/nonvshmem/libep4j_kernels.so");
        } catch (final IOException | RuntimeException e) {
            LOG.debug("no nonvshmem fallback library", e);
            return null;
        }
    }

    private static List<Path> nvshmemCandidates(final List<String> tried) {
        final List<Path> out = new ArrayList<>();
        final String[][] homes = {
            {"-D" + NVSHMEM_HOME_PROPERTY, System.getProperty(NVSHMEM_HOME_PROPERTY)},
            {"NVSHMEM_HOME", System.getenv("NVSHMEM_HOME")},
        };
        for (final String[] home : homes) {
            if (home[1] != null && !home[1].isBlank()) {
                addHome(out, tried, home[0], Paths.get(home[1]));
            }
        }
        if (!"false".equalsIgnoreCase(System.getProperty(PYTHON_PROBE_PROPERTY))) {
            final String py = probePython();
            tried.add("python3 nvidia.nvshmem" + (py == null ? " (not installed)" : "=" + py));
            if (py != null) {
                out.add(Paths.get(py, "lib", NVSHMEM_HOST));
            }
        }
        return out;
    }

    private static void addHome(final List<Path> out, final List<String> tried, final String source, final Path home) {
        tried.add(source + "=" + home);
        out.add(home.resolve("lib").resolve(NVSHMEM_HOST));
        out.add(home.resolve(NVSHMEM_HOST));
    }

    /** Asks python3 where the nvidia-nvshmem-cu13 package lives (3 s limit); null when it is not installed. */
    private static String probePython() {
        try {
            final Process p = new ProcessBuilder("python3", "-c",
                "import nvidia.nvshmem as m; print(list(m.__path__)[0])").redirectErrorStream(true).start();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            final String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            return p.exitValue() == 0 && Files.isDirectory(Paths.get(out)) ? out : null;
        } catch (final IOException | RuntimeException e) {
            return null;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static Path findOnLibraryPath(final String file) {
        final List<String> dirs = new ArrayList<>();
        for (final String prop : new String[] {"java.library.path", "org.bytedeco.javacpp.platform.linkpath"}) {
            final String v = System.getProperty(prop);
            if (v != null && !v.isBlank()) {
                dirs.addAll(List.of(v.split(File.pathSeparator)));
            }
        }
        for (final String d : dirs) {
            final Path p = Paths.get(d, file);
            if (!d.isBlank() && Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * @param t a failure.
     * @return its message with the cause chain ("a &lt;- b"), which is where JavaCPP puts the real reason.
     */
    static String describe(final Throwable t) {
        final StringBuilder sb = new StringBuilder(t.toString());
        for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            sb.append(" <- ").append(c);
        }
        for (final Throwable s : t.getSuppressed()) {
            sb.append(" [suppressed: ").append(s).append(']');
        }
        return sb.toString().toLowerCase(Locale.ROOT).contains("noclassdeffound")
            ? sb + " (is the org.bytedeco:javacpp jar on the class path?)" : sb.toString();
    }
}
