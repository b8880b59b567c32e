package dev.ep4j.cuda;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import dev.ep4j.cuda.binding.Ep4jKernels;
import dev.ep4j.cuda.internal.NativeErrors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense, row-major tensor in GPU memory ({@code cudaMalloc}), owned by this object: a device address, a dtype and
 * a shape. {@link #hostView()} is {@code null}; move data with {@link #upload}, {@link #copyFrom} and
 * {@link #download}. Element bytes are little-endian, as in {@link HostTensor}, so a round trip is bit-exact.
 *
 * <p>Lifecycle: {@link #close()} frees the memory; it is idempotent, and every other method throws
 * {@link IllegalStateException} naming the tensor after it. Allocation happens on the calling thread's current
 * device ({@link Cuda#setDevice}), recorded in {@link #device()}.
 *
 * <p>Not thread-safe for concurrent use, except {@link #close()}, which may be called from any thread.
 */
public final class DeviceTensor implements Tensor, AutoCloseable {
    private final DType dtype;
    private final long[] shape;
    private final long numel;
    private final int device;
    private long address;
    private boolean closed;

    private DeviceTensor(final DType dtype, final long[] shape, final long numel, final int device,
                         final long address) {
        this.dtype = dtype;
        this.shape = shape;
        this.numel = numel;
        this.device = device;
        this.address = address;
    }

    /**
     * Allocates an uninitialised tensor on the current device.
     *
     * @param dtype element type.
     * @param shape dimensions, each at least 0.
     * @return the new tensor; its content is undefined.
     * @throws dev.ep4j.api.error.BackendUnavailableException when no GPU can be used.
     * @throws dev.ep4j.api.error.CudaException when {@code cudaMalloc} fails (e.g. out of memory).
     */
    public static DeviceTensor allocate(final DType dtype, final long... shape) {
        Cuda.ensureAvailable();
        final long[] dims = shape.clone();
        long n = 1;
        for (final long d : dims) {
            if (d < 0) {
                throw new InvalidInputException("negative dimension in shape " + Arrays.toString(dims));
            }
            n = Math.multiplyExact(n, d);
        }
        final long bytes = Math.multiplyExact(n, (long) dtype.byteSize());
        final int device = NativeErrors.check(Ep4jKernels.ep4j_get_device(), "DeviceTensor.allocate");
        final long[] out = new long[1];
        NativeErrors.check(Ep4jKernels.ep4j_malloc(bytes, out), "DeviceTensor.allocate");
        return new DeviceTensor(dtype, dims, n, device, out[0]);
    }

    /**
     * Allocates a zero-filled tensor on the current device.
     *
     * @param dtype element type.
     * @param shape dimensions.
     * @return the new tensor.
     */
    public static DeviceTensor zeros(final DType dtype, final long... shape) {
        final DeviceTensor t = allocate(dtype, shape);
        try {
            NativeErrors.check(Ep4jKernels.ep4j_memset(t.address, 0, t.byteSize(), 0L), "DeviceTensor.zeros");
            NativeErrors.check(Ep4jKernels.ep4j_stream_synchronize(0L), "DeviceTensor.zeros");
            return t;
        } catch (final RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /**
     * Copies a host tensor to a new device tensor of the same dtype and shape.
     *
     * @param host the source.
     * @return the new device tensor holding the same bytes.
     */
    public static DeviceTensor upload(final HostTensor host) {
        final DeviceTensor t = allocate(host.dtype(), host.shape());
        try {
            t.copyFrom(host);
            return t;
        } catch (final RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /**
     * Overwrites this tensor with {@code host}'s bytes (synchronous).
     *
     * @param host a tensor of the same dtype and shape.
     */
    public void copyFrom(final HostTensor host) {
        checkOpen();
        checkSameLayout(host, "copyFrom");
        NativeErrors.check(Ep4jKernels.ep4j_memcpy_htod(address, directView(host), byteSize(), 0L),
            "DeviceTensor.copyFrom");
    }

    /**
     * Copies this tensor into {@code host} (synchronous).
     *
     * @param host a tensor of the same dtype and shape; overwritten.
     */
    public void copyTo(final HostTensor host) {
        checkOpen();
        checkSameLayout(host, "copyTo");
        final ByteBuffer target = host.buffer();
        if (target.isDirect()) {
            NativeErrors.check(Ep4jKernels.ep4j_memcpy_dtoh(target.duplicate().clear(), address, byteSize(), 0L),
                "DeviceTensor.copyTo");
        } else {
            final ByteBuffer tmp = ByteBuffer.allocateDirect(Math.toIntExact(byteSize()));
            NativeErrors.check(Ep4jKernels.ep4j_memcpy_dtoh(tmp, address, byteSize(), 0L), "DeviceTensor.copyTo");
            target.duplicate().clear().put(tmp);
        }
    }

    /**
     * @return a new host tensor with this tensor's dtype, shape and bytes (synchronous).
     */
    public HostTensor download() {
        checkOpen();
        final HostTensor host = HostTensor.zeros(dtype, shape);
        copyTo(host);
        return host;
    }

    /**
     * @return the device address of element 0 (0 for an empty tensor).
     * @throws IllegalStateException when closed.
     */
    public long address() {
        checkOpen();
        return address;
    }

    /**
     * @return the device this tensor lives on.
     */
    public int device() {
        return device;
    }

    /**
     * @return number of elements.
     */
    public long numel() {
        return numel;
    }

    /**
     * @return size in bytes.
     */
    public long byteSize() {
        return numel * dtype.byteSize();
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public int rank() {
        return shape.length;
    }

    @Override
    public long dim(final int dim) {
        return shape[dim < 0 ? shape.length + dim : dim];
    }

    /**
     * @return {@code null}: the data lives on the device.
     */
    @Override
    public HostTensor hostView() {
        return null;
    }

    /**
     * @return true after {@link #close()}.
     */
    public synchronized boolean isClosed() {
        return closed;
    }

    /**
     * Frees the device memory. Idempotent; safe from any thread.
     *
     * @throws dev.ep4j.api.error.CudaException when {@code cudaFree} fails (the tensor counts as closed anyway).
     */
    @Override
    public void close() {
        final long toFree;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toFree = address;
            address = 0;
        }
        NativeErrors.check(Ep4jKernels.ep4j_free(toFree), "DeviceTensor.close");
    }

    @Override
    public String toString() {
        return "DeviceTensor[" + dtype + " " + Arrays.toString(shape) + " on device " + device
            + (isClosed() ? ", closed" : "") + "]";
    }

    private synchronized void checkOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is used after close()");
        }
    }

    private void checkSameLayout(final HostTensor host, final String op) {
        if (host.dtype() != dtype || !Arrays.equals(host.shape(), shape)) {
            throw new InvalidInputException("DeviceTensor." + op + ": host tensor " + host + " does not match "
                + dtype + " " + Arrays.toString(shape));
        }
    }

    private static ByteBuffer directView(final HostTensor host) {
        final ByteBuffer b = host.buffer();
        if (b.isDirect()) {
            return b.duplicate().clear();
        }
        final ByteBuffer copy = ByteBuffer.allocateDirect(b.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(b.duplicate().clear()).clear();
        return copy;
    }
}
