package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.error.CudaException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("gpu")
class DeviceTensorGpuTest {
    @BeforeEach
    void needGpu() {
        assumeTrue(Cuda.isAvailable(), Cuda.unavailableReason());
    }

    @Test
    void shouldRoundTripBytesExactly() {
        final SplittableRandom rnd = new SplittableRandom(7);
        for (final DType dtype : DType.values()) {
            final HostTensor host = HostTensor.zeros(dtype, 37, 11);
            for (int i = 0; i < host.byteSize(); i++) {
                host.buffer().put(i, (byte) rnd.nextInt());
            }
            try (DeviceTensor dev = DeviceTensor.upload(host)) {
                assertThat(dev.hostView()).isNull();
                assertThat(dev.shape()).containsExactly(37, 11);
                assertThat(dev.download().contentEquals(host)).as("%s round trip", dtype).isTrue();
            }
        }
    }

    @Test
    void shouldUploadFromAHeapBufferAndZeroFill() {
        final ByteBuffer heap = ByteBuffer.allocate(64);
        for (int i = 0; i < 64; i++) {
            heap.put(i, (byte) i);
        }
        final HostTensor host = HostTensor.wrap(DType.UINT8, heap, 64);
        try (DeviceTensor dev = DeviceTensor.upload(host); DeviceTensor zeros = DeviceTensor.zeros(DType.INT32, 16)) {
            assertThat(dev.download().contentEquals(host)).isTrue();
            assertThat(zeros.download().contentEquals(HostTensor.zeros(DType.INT32, 16))).isTrue();
            final HostTensor back = HostTensor.wrap(DType.UINT8, ByteBuffer.allocate(64), 64);
            dev.copyTo(back);
            assertThat(back.contentEquals(host)).isTrue();
        }
    }

    @Test
    void shouldCloseIdempotentlyAndRefuseUseAfterClose() {
        final DeviceTensor dev = DeviceTensor.zeros(DType.FLOAT32, 8);
        dev.close();
        dev.close();
        assertThat(dev.isClosed()).isTrue();
        assertThatThrownBy(dev::address).isInstanceOf(IllegalStateException.class).hasMessageContaining("after close");
        assertThatThrownBy(dev::download).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRejectAMismatchedHostTensor() {
        try (DeviceTensor dev = DeviceTensor.zeros(DType.INT32, 4)) {
            assertThatThrownBy(() -> dev.copyFrom(HostTensor.zeros(DType.INT64, 4)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("does not match");
        }
    }

    @Test
    void shouldReportAnImpossibleAllocationAsCudaException() {
        assertThatThrownBy(() -> DeviceTensor.allocate(DType.UINT8, 1L << 50))
            .isInstanceOfSatisfying(CudaException.class, e -> {
                assertThat(e.api()).isEqualTo("cudaMalloc(" + (1L << 50) + " bytes)");
                assertThat(e.code()).isEqualTo(2);
                assertThat(e.getMessage()).contains("cudaErrorMemoryAllocation (2)");
            });
    }

    @Test
    void shouldDescribeTheDevice() {
        final DeviceInfo info = Cuda.device(Cuda.currentDevice());
        assertThat(info.ccMajor()).isEqualTo(9);
        assertThat(info.multiprocessors()).isPositive();
        assertThat(info.totalMemoryBytes()).isGreaterThan(1L << 30);
        System.out.println(Cuda.summary());
    }
}
