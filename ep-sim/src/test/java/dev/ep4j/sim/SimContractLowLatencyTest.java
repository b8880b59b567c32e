package dev.ep4j.sim;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.contract.ContractSupport;
import dev.ep4j.api.contract.LowLatencyContractTests;

/**
 * The sim backend against {@link LowLatencyContractTests}.
 */
class SimContractLowLatencyTest extends LowLatencyContractTests {
    @Override
    protected Backend openBackend() {
        return Backends.open("sim");
    }

    /** The sim has no low-latency kernels yet; remove this override when they land. */
    @Override
    protected boolean supports(final String capability) {
        return !ContractSupport.LOW_LATENCY.equals(capability);
    }
}
