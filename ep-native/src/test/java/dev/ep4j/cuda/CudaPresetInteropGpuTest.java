package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.layout.DispatchLayout;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A stream of the JavaCPP CUDA preset (shared cudart) drives ep4j's kernels (static cudart): both runtimes share the
 * driver's primary context, so the preset's {@code cudaStream_t} address is valid in ours.
 */
@Tag("gpu")
class CudaPresetInteropGpuTest {
    @Test
    void shouldRunTheLayoutKernelOnAPresetStream() {
        assumeTrue(Cuda.isAvailable(), Cuda.unavailableReason());
        String presetError = null;
        try {
            Loader.load(cudart.class);
        } catch (final Throwable t) {
            presetError = "JavaCPP CUDA preset not loadable (needs libcudart.so.13 on LD_LIBRARY_PATH): " + t;
        }
        assumeTrue(presetError == null, presetError);

        final CUstream_st stream = new CUstream_st();
        assertThat(cudart.cudaStreamCreate(stream)).isZero();
        final HostTensor topk = HostTensor.zeros(DType.INT64, 512, 4);
        for (int i = 0; i < 512 * 4; i++) {
            topk.setLong(i, (i * 7919L) % 64);
        }
        final Topology topo = new Topology(2, 4);
        try (DeviceTensor in = DeviceTensor.upload(topk);
             DeviceTensor perRank = DeviceTensor.allocate(DType.INT32, 8);
             DeviceTensor perNode = DeviceTensor.allocate(DType.INT32, 2);
             DeviceTensor perExpert = DeviceTensor.allocate(DType.INT32, 64);
             DeviceTensor inRank = DeviceTensor.allocate(DType.BOOL, 512, 8)) {
            NativeErrors.check(Ep4jKernels.ep4j_layout(in.address(), 8, 512, 4, 64, 8, 4, perRank.address(),
                perNode.address(), perExpert.address(), inRank.address(), stream.address()), "test");
            assertThat(cudart.cudaStreamSynchronize(stream)).isZero();
            final DispatchLayout actual = new DispatchLayout(topo, 64, perRank.download(), perNode.download(),
                perExpert.download(), inRank.download());
            assertThat(actual).isEqualTo(DispatchLayout.compute(topk, 64, topo));
        } finally {
            cudart.cudaStreamDestroy(stream);
        }
    }
}
