package dev.ep4j.api.routing;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import java.util.Objects;

/**
 * One rank's generated routing: the expert ids and, when the spec asked for them, the weights.
 *
 * <p>The record holds freshly allocated tensors without copying them; it is immutable as long as nobody writes into
 * them, and safe to read from several threads.
 *
 * @param topkIdx     INT64 {@code [T, K]}: expert ids in {@code [0, E)}, or −1 for a masked (unselected) entry.
 * @param topkWeights FLOAT32 {@code [T, K]}, or {@code null} when the spec's weight mode is {@link WeightMode#NONE}.
 */
public record GeneratedRouting(HostTensor topkIdx, HostTensor topkWeights) {

    /**
     * Checks dtypes and shapes.
     *
     * @param topkIdx     see the record component {@code topkIdx}.
     * @param topkWeights see the record component {@code topkWeights}.
     * @throws InvalidInputException when {@code topkIdx} is not INT64 {@code [T, K]} or the weights do not match it.
     */
    public GeneratedRouting {
        Objects.requireNonNull(topkIdx, "topkIdx");
        if (topkIdx.dtype() != DType.INT64 || topkIdx.rank() != 2) {
            throw new InvalidInputException("topkIdx must be INT64 [T, K], got " + topkIdx);
        }
        if (topkWeights != null && (topkWeights.dtype() != DType.FLOAT32 || topkWeights.rank() != 2
            || topkWeights.dim(0) != topkIdx.dim(0) || topkWeights.dim(1) != topkIdx.dim(1))) {
            throw new InvalidInputException("topkWeights must be FLOAT32 [" + topkIdx.dim(0) + ", " + topkIdx.dim(1)
                + "] like topkIdx, got " + topkWeights);
        }
    }

    /**
     * @return true when weights were generated.
     */
    public boolean hasWeights() {
        return topkWeights != null;
    }
}
