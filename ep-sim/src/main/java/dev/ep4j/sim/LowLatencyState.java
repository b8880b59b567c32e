package dev.ep4j.sim;

import dev.ep4j.api.error.EpException;
import dev.ep4j.api.op.LowLatencyCombineRequest;
import dev.ep4j.api.op.LowLatencyCombineResult;
import dev.ep4j.api.op.LowLatencyDispatchRequest;
import dev.ep4j.api.op.LowLatencyDispatchResult;
import dev.ep4j.api.op.LowLatencyHandle;
import dev.ep4j.api.tensor.Tensor;

/**
 * One rank's low-latency state (ping-pong buffer index, zero-copy send areas). Not implemented yet: every call
 * says so.
 */
final class LowLatencyState {
    private static final String NOT_YET = "low-latency mode is not implemented in the sim backend yet";

    LowLatencyState(final SimGroup group, final int rank) {
    }

    LowLatencyDispatchResult dispatch(final LowLatencyDispatchRequest req) {
        throw new EpException(NOT_YET);
    }

    LowLatencyCombineResult combine(final LowLatencyCombineRequest req) {
        throw new EpException(NOT_YET);
    }

    Tensor nextCombineBuffer(final LowLatencyHandle handle) {
        throw new EpException(NOT_YET);
    }

    void clean(final int maxTokensPerRank, final int hidden, final int numExperts) {
        throw new EpException(NOT_YET);
    }
}
