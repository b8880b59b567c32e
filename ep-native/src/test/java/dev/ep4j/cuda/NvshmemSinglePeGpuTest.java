package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.error.NvshmemException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * NVSHMEM with one PE in this JVM: unique-id init, symmetric malloc/free, barrier, finalize, and the refusal to
 * initialise twice. NVSHMEM can be initialised once per process, so this is the only GPU test that initialises it.
 */
@Tag("gpu")
class NvshmemSinglePeGpuTest {
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldInitAllocateBarrierAndFinalizeOnePe() {
        assumeTrue(Cuda.isAvailable(), Cuda.unavailableReason());
        assumeTrue(Cuda.isNvshmemAvailable(), Cuda.nvshmemUnavailableReason());
        Nvshmem.setenv("NVSHMEM_DISABLE_NVLS", "1");
        Nvshmem.setenv("NVSHMEM_REMOTE_TRANSPORT", "none");
        final byte[] id = Nvshmem.uniqueId();
        final Nvshmem shmem = Nvshmem.init(id, 0, 1, Cuda.currentDevice());
        try {
            assertThat(shmem.myPe()).isZero();
            assertThat(shmem.nPes()).isEqualTo(1);
            final long sym = shmem.malloc(1 << 20);
            assertThat(sym).isNotZero();
            // the symmetric heap is ordinary device memory for this PE
            final HostTensor pattern = HostTensor.zeros(DType.INT32, 1 << 18);
            for (int i = 0; i < 1 << 18; i++) {
                pattern.setInt(i, i * 31);
            }
            NativeErrors.check(Ep4jKernels.ep4j_memcpy_htod(sym, pattern.buffer().duplicate().clear(), 1 << 20, 0L),
                "test");
            final HostTensor back = HostTensor.zeros(DType.INT32, 1 << 18);
            NativeErrors.check(Ep4jKernels.ep4j_memcpy_dtoh(back.buffer().duplicate().clear(), sym, 1 << 20, 0L),
                "test");
            assertThat(back.contentEquals(pattern)).isTrue();
            shmem.barrierAll();
            shmem.free(sym);
            assertThatThrownBy(() -> Nvshmem.init(id, 0, 1, 0)).isInstanceOf(NvshmemException.class)
                .hasMessageContaining("already initialised");
        } finally {
            shmem.close();
        }
        shmem.close();
        assertThatThrownBy(shmem::myPe).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Nvshmem.init(id, 0, 1, 0)).isInstanceOf(NvshmemException.class)
            .hasMessageContaining("cannot be initialised again");
    }
}
