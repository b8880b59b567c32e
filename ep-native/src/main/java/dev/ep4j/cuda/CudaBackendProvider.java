package dev.ep4j.cuda;

import dev.ep4j.api.Availability;
import dev.ep4j.api.Backend;
import dev.ep4j.api.BackendProvider;
import dev.ep4j.api.error.BackendUnavailableException;
import java.util.Map;

/**
 * The {@code cuda} backend's provider. Its availability is the native probe of {@link Cuda}: no native code in this
 * build, NVSHMEM host library missing (when the kernels need it), no usable CUDA driver/GPU. Where all of that is in
 * place it still reports unavailable, because dispatch and combine ({@code EpBuffer}) are not implemented yet; the
 * layout kernel can already be run through {@link CudaLayout}.
 *
 * <p>Stateless and thread-safe; the probe behind it runs once per JVM.
 */
public final class CudaBackendProvider implements BackendProvider {
    /** Why the backend cannot be opened even where the GPU is usable. */
    static final String NOT_IMPLEMENTED = "dispatch and combine of the cuda backend (EpBuffer) are not implemented "
        + "yet; the native library and the layout kernel (CudaLayout) work; use the sim backend for EP operations";

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public Availability availability() {
        if (!Cuda.isAvailable()) {
            return Availability.no(Cuda.unavailableReason());
        }
        return Availability.no(NOT_IMPLEMENTED);
    }

    @Override
    public Backend open(final Map<String, String> options) {
        throw new BackendUnavailableException("cuda: " + availability().reason());
    }
}
