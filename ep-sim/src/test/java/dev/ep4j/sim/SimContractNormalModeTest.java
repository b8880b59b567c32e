package dev.ep4j.sim;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.contract.NormalModeContractTests;

/**
 * The sim backend against {@link NormalModeContractTests}.
 */
class SimContractNormalModeTest extends NormalModeContractTests {
    @Override
    protected Backend openBackend() {
        return Backends.open("sim");
    }
}
