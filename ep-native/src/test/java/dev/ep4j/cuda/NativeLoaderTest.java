package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.error.BackendUnavailableException;
import dev.ep4j.api.error.CudaException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import org.junit.jupiter.api.Test;

/**
 * Host-only checks of the loader and the C API: run in CI (no GPU). Where Maven built the kernels
 * ({@code -Dep4j.native.skip=false}, set by the pom), the library must load; a silent skip would hide a broken build.
 */
class NativeLoaderTest {
    private static boolean builtWithNvcc() {
        return "false".equals(System.getProperty("ep4j.native.skip"));
    }

    @Test
    void shouldLoadTheLibraryWhereTheBuildCompiledIt() {
        if (builtWithNvcc()) {
            assertThat(Cuda.isLibraryLoaded()).as(Cuda.libraryUnavailableReason()).isTrue();
        } else if (!Cuda.isLibraryLoaded()) {
            assertThat(Cuda.libraryUnavailableReason()).contains("this build contains no native code");
        }
    }

    @Test
    void shouldReportVersionsWithoutAGpu() {
        assumeTrue(Cuda.isLibraryLoaded(), Cuda.libraryUnavailableReason());
        assertThat(Cuda.abiVersion()).isEqualTo(Ep4jKernels.ABI_VERSION);
        assertThat(Cuda.buildInfo()).startsWith("ep4j_kernels 1.0.0 nvcc ").contains("sm_90a");
        assertThat(Cuda.runtimeVersion()).isGreaterThanOrEqualTo(13000);
        assertThat(Cuda.summary()).contains("native library: ep4j_kernels");
    }

    @Test
    void shouldExplainWhyNoGpuIsUsable() {
        if (Cuda.isAvailable()) {
            assertThat(Cuda.unavailableReason()).isEmpty();
            return;
        }
        assertThat(Cuda.unavailableReason()).isNotBlank();
        assertThatThrownBy(Cuda::ensureAvailable).isInstanceOf(BackendUnavailableException.class)
            .hasMessageContaining(Cuda.unavailableReason());
        assertThatThrownBy(() -> DeviceTensor.allocate(dev.ep4j.api.tensor.DType.INT32, 4))
            .isInstanceOf(BackendUnavailableException.class);
        if (Cuda.isLibraryLoaded()) {
            assertThat(Cuda.unavailableReason()).containsAnyOf("no usable CUDA driver/GPU", "no CUDA device",
                "compute capability");
        }
    }

    @Test
    void shouldMapAFailedCudaCallToCudaException() {
        assumeTrue(Cuda.isLibraryLoaded(), Cuda.libraryUnavailableReason());
        assumeTrue(!Cuda.isAvailable(), "a GPU is present: cudaMalloc would succeed");
        final long[] out = new long[1];
        final int rc = Ep4jKernels.ep4j_malloc(1024, out);
        assertThat(rc).isEqualTo(Ep4jKernels.E_CUDA);
        assertThatThrownBy(() -> NativeErrors.check(rc, "test")).isInstanceOfSatisfying(CudaException.class, e -> {
            assertThat(e.api()).isEqualTo("cudaMalloc(1024 bytes)");
            assertThat(e.code()).isPositive();
            assertThat(e.getMessage()).startsWith("cudaMalloc(1024 bytes) on device ").contains("cudaError");
        });
    }

    @Test
    void shouldRejectBadLayoutArgumentsBeforeTouchingTheDevice() {
        assumeTrue(Cuda.isLibraryLoaded(), Cuda.libraryUnavailableReason());
        final int rc = Ep4jKernels.ep4j_layout(0, 8, 4, 2, 10, 4, 1, 0, 0, 0, 0, 0);
        assertThatThrownBy(() -> NativeErrors.check(rc, "CudaLayout")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("num_experts=10 must be a multiple of num_ranks=4");
        final int rc2 = Ep4jKernels.ep4j_layout(0, 2, 4, 2, 8, 4, 1, 0, 0, 0, 0, 0);
        assertThatThrownBy(() -> NativeErrors.check(rc2, "CudaLayout")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("idx_bytes=2");
        final int rc3 = Ep4jKernels.ep4j_copy_bandwidth(8, 1, 0, 0, new double[4]);
        assertThatThrownBy(() -> NativeErrors.check(rc3, "CopyBandwidth")).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("bytes=8 >= 16");
    }
}
