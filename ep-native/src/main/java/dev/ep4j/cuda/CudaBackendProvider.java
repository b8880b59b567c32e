package dev.ep4j.cuda;

import dev.ep4j.api.Availability;
import dev.ep4j.api.Backend;
import dev.ep4j.api.BackendProvider;
import dev.ep4j.api.error.BackendUnavailableException;
import java.util.Map;

/**
 * The {@code cuda} backend's provider. Its availability is the native probe of {@link Cuda}: no native code in this
 * build, no usable CUDA driver/GPU (sm_90). Where the GPU is usable it opens a {@link CudaBackend} (intranode normal
 * mode; internode and low-latency throw saying they are not implemented yet). Options: see {@link CudaBackend}.
 *
 * <p>Stateless and thread-safe; the probe behind it runs once per JVM.
 */
public final class CudaBackendProvider implements BackendProvider {

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
        return Availability.yes();
    }

    @Override
    public Backend open(final Map<String, String> options) {
        final Availability a = availability();
        if (!a.available()) {
            throw new BackendUnavailableException("cuda: " + a.reason());
        }
        return new CudaBackend(options);
    }
}
