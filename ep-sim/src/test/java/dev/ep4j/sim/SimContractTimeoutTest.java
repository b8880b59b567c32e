package dev.ep4j.sim;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.contract.TimeoutContractTests;

/**
 * The sim backend against {@link TimeoutContractTests}.
 */
class SimContractTimeoutTest extends TimeoutContractTests {
    @Override
    protected Backend openBackend() {
        return Backends.open("sim");
    }
}
