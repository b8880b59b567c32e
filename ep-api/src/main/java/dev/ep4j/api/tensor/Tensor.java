package dev.ep4j.api.tensor;

/**
 * What the operation contract needs of a tensor: its dtype and shape, and its content when it lives in host memory.
 * {@link HostTensor} implements it; a backend's device tensors implement it too and return {@code null} from
 * {@link #hostView()} (validation of values then happens where the backend can read them).
 */
public interface Tensor {
    /**
     * @return element type.
     */
    DType dtype();

    /**
     * @return a copy of the shape.
     */
    long[] shape();

    /**
     * @return number of dimensions.
     */
    default int rank() {
        return shape().length;
    }

    /**
     * @param dim dimension index; negative counts from the end.
     * @return size of that dimension.
     */
    default long dim(final int dim) {
        final long[] s = shape();
        return s[dim < 0 ? s.length + dim : dim];
    }

    /**
     * @return the host-readable tensor with this content, or {@code null} when it lives on a device.
     */
    HostTensor hostView();

    /**
     * The content in host memory: the tensor itself for a {@link HostTensor}, a downloaded copy for a device tensor
     * (synchronous; the caller owns the copy).
     *
     * @return a host tensor with this dtype, shape and content.
     * @throws UnsupportedOperationException when the tensor has no content ({@link ShapeTensor}).
     */
    default HostTensor toHost() {
        final HostTensor h = hostView();
        if (h == null) {
            throw new UnsupportedOperationException(this + " has no host-readable content and no toHost() of its own");
        }
        return h;
    }
}
