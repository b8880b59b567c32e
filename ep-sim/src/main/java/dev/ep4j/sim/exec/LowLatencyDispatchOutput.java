package dev.ep4j.sim.exec;

import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;

/**
 * The output tensors of one rank's low-latency dispatch, allocated zero-filled at call time (the send phase) and
 * filled by {@link LowLatencyDispatch#receive} (the receive phase). Shapes below use {@code RT = R * T_max} rows
 * per expert and {@code S = H / 128}.
 *
 * <p>Not thread-safe: written by the receive phase of the owning rank only.
 *
 * @param recvX       FP8_E4M3 or BF16 {@code [E_loc, RT, H]}.
 * @param recvScales  token-contiguous scales, FLOAT32 {@code [E_loc, S, RT]} or INT32 {@code [E_loc, S / 4, RT]}
 *                    (UE8M0); the logical scale (e, row, g) is element [e, g, row]. Null for BF16.
 * @param recvCount   INT32 {@code [E_loc]}.
 * @param srcInfo     INT32 {@code [E_loc, RT]}.
 * @param layoutRange INT64 {@code [E_loc, R]}.
 */
public record LowLatencyDispatchOutput(
    HostTensor recvX, HostTensor recvScales, HostTensor recvCount, HostTensor srcInfo, HostTensor layoutRange) {

    /**
     * Allocates zero-filled outputs.
     *
     * @param localExperts     E_loc.
     * @param ranks            R.
     * @param maxTokensPerRank T_max.
     * @param hidden           H.
     * @param useFp8           FP8 payload with scales (else BF16, no scales).
     * @param useUe8m0         INT32 UE8M0 scales (else FLOAT32).
     * @return the tensors.
     */
    public static LowLatencyDispatchOutput allocate(final int localExperts, final int ranks,
        final int maxTokensPerRank, final int hidden, final boolean useFp8, final boolean useUe8m0) {
        final long rows = (long) ranks * maxTokensPerRank;
        final HostTensor x = HostTensor.zeros(useFp8 ? DType.FP8_E4M3 : DType.BF16, localExperts, rows, hidden);
        final HostTensor scales;
        if (!useFp8) {
            scales = null;
        } else if (useUe8m0) {
            scales = HostTensor.zeros(DType.INT32, localExperts, hidden / 512, rows);
        } else {
            scales = HostTensor.zeros(DType.FLOAT32, localExperts, hidden / 128, rows);
        }
        return new LowLatencyDispatchOutput(x, scales, HostTensor.zeros(DType.INT32, localExperts),
            HostTensor.zeros(DType.INT32, localExperts, rows), HostTensor.zeros(DType.INT64, localExperts, ranks));
    }
}
