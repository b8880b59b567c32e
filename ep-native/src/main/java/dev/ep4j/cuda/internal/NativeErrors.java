package dev.ep4j.cuda.internal;

import dev.ep4j.api.error.BackendUnavailableException;
import dev.ep4j.api.error.CudaException;
import dev.ep4j.api.error.EpException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.error.NvshmemException;
import dev.ep4j.cuda.binding.Ep4jKernels;

/**
 * Turns a failed C API call (a negative return code) into ep4j's typed exception, reading the calling thread's
 * {@code ep4j_last_error_*}: a CUDA failure becomes a {@link CudaException} with the API name, device, numeric code
 * and {@code cudaGetErrorName}; NVSHMEM failures a {@link NvshmemException}; bad arguments an
 * {@link InvalidInputException}; "built without NVSHMEM" a {@link BackendUnavailableException}.
 *
 * <p>Stateless; must be called on the thread that made the failing call.
 */
public final class NativeErrors {
    private NativeErrors() {
    }

    /**
     * @param rc   the C function's return value.
     * @param what what the caller was doing, prefixed to non-CUDA messages (e.g. "CudaLayout.compute").
     * @return {@code rc} when it is not negative.
     * @throws EpException the typed failure when {@code rc < 0}.
     */
    public static int check(final int rc, final String what) {
        if (rc >= 0) {
            return rc;
        }
        throw lastError(rc, what);
    }

    /**
     * @param rc   the failing return code.
     * @param what what the caller was doing.
     * @return the exception describing this thread's last C API error.
     */
    public static EpException lastError(final int rc, final String what) {
        final int kind = Ep4jKernels.ep4j_last_error_kind();
        final String message = Ep4jKernels.ep4j_last_error_message().getString();
        switch (kind) {
            case Ep4jKernels.ERR_CUDA:
                return new CudaException(Ep4jKernels.ep4j_last_error_api().getString(),
                    Ep4jKernels.ep4j_last_error_device(), Ep4jKernels.ep4j_last_error_code(),
                    Ep4jKernels.ep4j_last_error_name().getString());
            case Ep4jKernels.ERR_INVALID:
                return new InvalidInputException(what + ": " + message);
            case Ep4jKernels.ERR_NVSHMEM:
                return new NvshmemException(what + ": " + message + " (NVSHMEM status "
                    + Ep4jKernels.ep4j_last_error_code() + ")");
            case Ep4jKernels.ERR_NO_NVSHMEM:
                return new BackendUnavailableException(what + ": " + message);
            default:
                return new EpException(what + ": ep4j C API returned " + rc + " without recording an error ("
                    + message + ")");
        }
    }
}
