package dev.ep4j.sim;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.contract.LowLatencyContractTests;

/**
 * The sim backend against {@link LowLatencyContractTests}.
 */
class SimContractLowLatencyTest extends LowLatencyContractTests {
    @Override
    protected Backend openBackend() {
        return Backends.open("sim");
    }
}
