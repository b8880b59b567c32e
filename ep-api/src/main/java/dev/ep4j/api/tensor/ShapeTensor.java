package dev.ep4j.api.tensor;

import java.util.Arrays;

/**
 * A tensor with a dtype and a shape but no content: what the sim backend takes and returns with payloads off, so
 * that routing, counts, handles and timing of large clusters (EP 256+) can be analysed without gigabytes of data.
 * Immutable and thread-safe.
 */
public final class ShapeTensor implements Tensor {
    private final DType dtype;
    private final long[] shape;

    private ShapeTensor(final DType dtype, final long[] shape) {
        this.dtype = dtype;
        this.shape = shape.clone();
        for (final long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
        }
    }

    /**
     * @param dtype element type.
     * @param shape dimensions.
     * @return a content-less tensor.
     */
    public static ShapeTensor of(final DType dtype, final long... shape) {
        return new ShapeTensor(dtype, shape);
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * @return always null: there is no content.
     */
    @Override
    public HostTensor hostView() {
        return null;
    }

    /**
     * @throws UnsupportedOperationException always: a shape tensor has no content.
     */
    @Override
    public HostTensor toHost() {
        throw new UnsupportedOperationException(this + " has no content (payloads off); nothing to copy to the host");
    }

    @Override
    public String toString() {
        return "ShapeTensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
