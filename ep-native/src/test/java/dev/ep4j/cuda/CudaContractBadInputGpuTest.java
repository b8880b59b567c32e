package dev.ep4j.cuda;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.Backend;
import dev.ep4j.api.Backends;
import dev.ep4j.api.contract.BadInputContractTests;
import org.junit.jupiter.api.Tag;

/**
 * The cuda backend (virtual ranks on one GPU) against {@link BadInputContractTests}; internode and low-latency
 * cases are skipped (not implemented in the cuda backend yet).
 */
@Tag("gpu")
class CudaContractBadInputGpuTest extends BadInputContractTests {
    @Override
    protected Backend openBackend() {
        assumeTrue(Cuda.isAvailable(), Cuda.unavailableReason());
        return Backends.open("cuda");
    }

    @Override
    protected boolean supports(final String capability) {
        return GpuCapabilities.supports(capability);
    }
}
