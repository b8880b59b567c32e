package dev.ep4j.sim;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.contract.DeterminismContractTests;

/**
 * The sim backend against {@link DeterminismContractTests}.
 */
class SimContractDeterminismTest extends DeterminismContractTests {
    @Override
    protected Backend openBackend() {
        return Backends.open("sim");
    }
}
