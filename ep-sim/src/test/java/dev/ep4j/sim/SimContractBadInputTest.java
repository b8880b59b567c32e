package dev.ep4j.sim;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.contract.BadInputContractTests;

/**
 * The sim backend against {@link BadInputContractTests}.
 */
class SimContractBadInputTest extends BadInputContractTests {
    @Override
    protected Backend openBackend() {
        return Backends.open("sim");
    }
}
