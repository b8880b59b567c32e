package dev.ep4j.api.contract;

import dev.ep4j.api.Backend;

/**
 * Runs the low-latency contract kit against {@link ReferenceLowLatencyBackend}, so that the kit's low-latency
 * plumbing, tolerances and DeepEP property checks are exercised before a real backend implements the low-latency
 * kernels.
 */
class ReferenceLowLatencyKitTest extends LowLatencyContractTests {
    @Override
    protected Backend openBackend() {
        return new ReferenceLowLatencyBackend();
    }
}
