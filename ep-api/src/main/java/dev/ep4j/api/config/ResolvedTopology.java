package dev.ep4j.api.config;

import dev.ep4j.api.topology.Topology;

/**
 * A {@link TopologyConfig} with the hardware profiles it references, checked to fit together. Built by
 * {@link Configs#resolveTopology}.
 *
 * <p>The canonical constructor checks that the profiles are the ones referenced and that a node fits the GPU's
 * NVLink domain, and throws {@link dev.ep4j.api.error.ConfigException} naming the topology field at fault.
 *
 * <p>Immutable and thread-safe.
 *
 * @param topology the cluster.
 * @param gpu      the profile named by {@code topology.gpuProfileId()}.
 * @param gpuPcie  the profile named by {@code gpu.pcieProfileId()}.
 * @param nic      the profile named by {@code topology.nicProfileId()}.
 * @param nicPcie  the profile named by {@code nic.pcieProfileId()}.
 */
public record ResolvedTopology(
    TopologyConfig topology, GpuProfile gpu, PcieProfile gpuPcie, NicProfile nic, PcieProfile nicPcie) {

    /**
     * Checks that the parts fit together.
     *
     * @param topology the cluster.
     * @param gpu the profile named by {@code topology.gpuProfileId()}.
     * @param gpuPcie the profile named by {@code gpu.pcieProfileId()}.
     * @param nic the profile named by {@code topology.nicProfileId()}.
     * @param nicPcie the profile named by {@code nic.pcieProfileId()}.
     * @throws dev.ep4j.api.error.ConfigException naming the topology field at fault, with the values involved.
     */
    public ResolvedTopology {
        final String type = "topology " + Check.notNull("ResolvedTopology", "topology", topology).id();
        Check.notNull(type, "gpu", gpu);
        Check.notNull(type, "gpuPcie", gpuPcie);
        Check.notNull(type, "nic", nic);
        Check.notNull(type, "nicPcie", nicPcie);
        same(type, "gpuProfileId", topology.gpuProfileId(), gpu.id());
        same(type, "gpuProfileId", gpu.pcieProfileId(), gpuPcie.id());
        same(type, "nicProfileId", topology.nicProfileId(), nic.id());
        same(type, "nicProfileId", nic.pcieProfileId(), nicPcie.id());
        if (topology.gpusPerNode() > gpu.nvlinkDomainMaxGpus()) {
            throw Check.fail(type, "gpusPerNode", "gpusPerNode=" + topology.gpusPerNode() + " exceeds the NVLink"
                + " domain of gpu " + gpu.id() + " (nvlinkDomainMaxGpus=" + gpu.nvlinkDomainMaxGpus() + ")");
        }
    }

    private static void same(final String type, final String field, final String expected, final String actual) {
        if (!expected.equals(actual)) {
            throw Check.fail(type, field, field + " references \"" + expected + "\" but profile \"" + actual
                + "\" was given");
        }
    }

    /**
     * @return the runtime shape of the whole cluster.
     */
    public Topology shape() {
        return topology.shape();
    }
}
