package dev.ep4j.cuda;

import dev.ep4j.api.contract.ContractSupport;

/**
 * What the cuda backend implements, for the contract kit's capability switches. Stateless.
 */
final class GpuCapabilities {
    private GpuCapabilities() {
    }

    /**
     * @param capability a {@link ContractSupport} capability.
     * @return false for internode and low-latency (not implemented in the cuda backend yet), true otherwise.
     */
    static boolean supports(final String capability) {
        return !ContractSupport.INTERNODE.equals(capability) && !ContractSupport.LOW_LATENCY.equals(capability);
    }
}
