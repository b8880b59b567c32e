package dev.ep4j.api.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A dense, row-major tensor in host memory: a dtype, a shape and a little-endian direct {@link ByteBuffer}.
 * Accessors take absolute flat element indices (no hidden position, as in Agrona's buffers); bounds are always
 * checked by the underlying buffer. Tensors up to 2 GiB.
 *
 * <p>{@link #close()} releases the memory of a tensor allocated by {@link #zeros} or {@link #copy} at once instead
 * of waiting for a GC (large direct buffers allocated in a loop otherwise stall the allocator); afterwards every
 * accessor throws {@link IllegalStateException}. Closing is optional and idempotent; never keep a reference to
 * {@link #buffer()} past {@code close()}.
 *
 * <pre>{@code
 * try (HostTensor expertOut = HostTensor.zeros(DType.BF16, rows, hidden)) {
 *     ... combine(expertOut) ...
 * }
 * }</pre>
 *
 * <p>Not thread-safe for concurrent writes; concurrent reads are fine.
 */
public final class HostTensor implements Tensor, AutoCloseable {
    private final DType dtype;
    private final long[] shape;
    private final long numel;
    private final ByteBuffer data;
    private final boolean owned;
    private volatile boolean closed;

    private HostTensor(final DType dtype, final long[] shape, final ByteBuffer data) {
        this(dtype, shape, data, false);
    }

    private HostTensor(final DType dtype, final long[] shape, final ByteBuffer data, final boolean owned) {
        this.owned = owned;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.numel = numelOf(this.shape);
        this.data = data.order(ByteOrder.LITTLE_ENDIAN);
        final long bytes = numel * dtype.byteSize();
        if (data.capacity() != bytes) {
            throw new IllegalArgumentException("buffer capacity " + data.capacity() + " bytes != " + bytes
                + " bytes for shape " + Arrays.toString(shape) + " of " + dtype);
        }
    }

    /**
     * Allocates a zero-filled tensor.
     *
     * @param dtype element type.
     * @param shape dimensions, each at least 0.
     * @return the new tensor.
     * @throws IllegalArgumentException when a dimension is negative or the tensor exceeds 2 GiB.
     */
    public static HostTensor zeros(final DType dtype, final long... shape) {
        final long bytes = numelOf(shape) * dtype.byteSize();
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " " + dtype + " needs "
                + bytes + " bytes; HostTensor holds at most " + Integer.MAX_VALUE);
        }
        return new HostTensor(dtype, shape, ByteBuffer.allocateDirect((int) bytes), true);
    }

    /**
     * Wraps an existing buffer (its position and limit are ignored; the whole capacity is the tensor).
     *
     * @param dtype element type.
     * @param data  exactly {@code numel * dtype.byteSize()} bytes; its byte order is set to little-endian.
     * @param shape dimensions.
     * @return a tensor viewing {@code data}.
     */
    public static HostTensor wrap(final DType dtype, final ByteBuffer data, final long... shape) {
        return new HostTensor(dtype, shape, data);
    }

    private static long numelOf(final long[] shape) {
        long n = 1;
        for (final long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public HostTensor hostView() {
        return this;
    }

    /**
     * @return element type.
     */
    @Override
    public DType dtype() {
        return dtype;
    }

    /**
     * @return a copy of the shape.
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * @return number of dimensions.
     */
    @Override
    public int rank() {
        return shape.length;
    }

    /**
     * @param dim dimension index; negative counts from the end.
     * @return the size of that dimension.
     */
    @Override
    public long dim(final int dim) {
        return shape[dim < 0 ? shape.length + dim : dim];
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

    /**
     * @return the backing buffer (little-endian; shares content with this tensor).
     */
    public ByteBuffer buffer() {
        checkOpen();
        return data;
    }

    /**
     * @param i flat element index.
     * @return the byte at {@code i} (FP8, INT8, UINT8 or BOOL tensors).
     */
    public byte getByte(final long i) {
        return data.get(index(i, 1));
    }

    /**
     * @param i flat element index.
     * @param v new value.
     */
    public void setByte(final long i, final byte v) {
        data.put(index(i, 1), v);
    }

    /**
     * @param i flat element index.
     * @return the 16-bit value at {@code i} (BF16 raw bits or INT16).
     */
    public short getShort(final long i) {
        return data.getShort(index(i, 2));
    }

    /**
     * @param i flat element index.
     * @param v new value.
     */
    public void setShort(final long i, final short v) {
        data.putShort(index(i, 2), v);
    }

    /**
     * @param i flat element index.
     * @return the int at {@code i} (INT32 tensors).
     */
    public int getInt(final long i) {
        return data.getInt(index(i, 4));
    }

    /**
     * @param i flat element index.
     * @param v new value.
     */
    public void setInt(final long i, final int v) {
        data.putInt(index(i, 4), v);
    }

    /**
     * @param i flat element index.
     * @return the long at {@code i} (INT64 tensors).
     */
    public long getLong(final long i) {
        return data.getLong(index(i, 8));
    }

    /**
     * @param i flat element index.
     * @param v new value.
     */
    public void setLong(final long i, final long v) {
        data.putLong(index(i, 8), v);
    }

    /**
     * @param i flat element index.
     * @return the float at {@code i} (FLOAT32 tensors).
     */
    public float getFloat(final long i) {
        return data.getFloat(index(i, 4));
    }

    /**
     * @param i flat element index.
     * @param v new value.
     */
    public void setFloat(final long i, final float v) {
        data.putFloat(index(i, 4), v);
    }

    /**
     * @param i flat element index.
     * @return the double at {@code i} (FLOAT64 tensors).
     */
    public double getDouble(final long i) {
        return data.getDouble(index(i, 8));
    }

    /**
     * @param i flat element index.
     * @param v new value.
     */
    public void setDouble(final long i, final double v) {
        data.putDouble(index(i, 8), v);
    }

    /**
     * @param i flat element index.
     * @return the boolean at {@code i} (BOOL tensors; any nonzero byte is true).
     */
    public boolean getBool(final long i) {
        return data.get(index(i, 1)) != 0;
    }

    /**
     * @param i flat element index.
     * @param v new value, stored as 1 or 0.
     */
    public void setBool(final long i, final boolean v) {
        data.put(index(i, 1), (byte) (v ? 1 : 0));
    }

    /**
     * Reads an integer element of any integer or bool dtype, widened to long (INT64 top-k indices and INT32 ones
     * read the same way).
     *
     * @param i flat element index.
     * @return the value.
     */
    public long getIntegral(final long i) {
        switch (dtype) {
            case INT8:
            case BOOL:
                return getByte(i);
            case UINT8:
                return getByte(i) & 0xFF;
            case INT16:
                return getShort(i);
            case INT32:
                return getInt(i);
            case INT64:
                return getLong(i);
            default:
                throw new IllegalStateException(dtype + " tensor is not integral");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(this + " is closed");
        }
    }

    /**
     * Releases the memory now when this tensor owns it ({@link #zeros}, {@link #copy}); a wrapped buffer is left to
     * its owner. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (owned) {
            dev.ep4j.api.internal.DirectMemory.release(data);
        }
    }

    /**
     * @return true after {@link #close()}.
     */
    public boolean isClosed() {
        return closed;
    }

    private int index(final long i, final int width) {
        checkOpen();
        if (dtype.byteSize() != width) {
            throw new IllegalStateException("accessor of " + width + " bytes used on a " + dtype + " tensor");
        }
        if (i < 0 || i >= numel) {
            throw new IndexOutOfBoundsException("index=" + i + " numel=" + numel + " shape=" + Arrays.toString(shape));
        }
        return (int) (i * width);
    }

    /**
     * @return a deep copy with its own direct buffer.
     */
    public HostTensor copy() {
        final HostTensor out = zeros(dtype, shape);
        final ByteBuffer src = data.duplicate();
        src.clear();
        out.data.duplicate().put(src);
        return out;
    }

    /**
     * Byte-for-byte comparison of content (dtype and shape included).
     *
     * @param other another tensor.
     * @return true when dtype, shape and every byte are equal.
     */
    public boolean contentEquals(final HostTensor other) {
        if (other == null || dtype != other.dtype || !Arrays.equals(shape, other.shape)) {
            return false;
        }
        checkOpen();
        other.checkOpen();
        final ByteBuffer a = data.duplicate();
        final ByteBuffer b = other.data.duplicate();
        a.clear();
        b.clear();
        return a.equals(b);
    }

    @Override
    public String toString() {
        return "HostTensor[" + dtype + " " + Arrays.toString(shape) + (closed ? ", closed" : "") + "]";
    }
}
