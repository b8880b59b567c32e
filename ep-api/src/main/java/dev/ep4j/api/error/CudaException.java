package dev.ep4j.api.error;

/**
 * A CUDA runtime or driver call failed. The message reads like
 * {@code cudaMalloc(1073741824 bytes) on device 0 failed: cudaErrorMemoryAllocation (2)}.
 */
public class CudaException extends EpException {
    private static final long serialVersionUID = 1L;

    private final String api;
    private final int code;

    /**
     * @param api       the call and its important arguments, e.g. {@code "cudaMalloc(1073741824 bytes)"}.
     * @param device    the CUDA device ordinal.
     * @param code      the numeric CUDA error code.
     * @param errorName the symbolic name ({@code cudaGetErrorName}).
     */
    public CudaException(final String api, final int device, final int code, final String errorName) {
        super(api + " on device " + device + " failed: " + errorName + " (" + code + ")");
        this.api = api;
        this.code = code;
    }

    /**
     * @return the failed call.
     */
    public String api() {
        return api;
    }

    /**
     * @return the numeric CUDA error code.
     */
    public int code() {
        return code;
    }
}
