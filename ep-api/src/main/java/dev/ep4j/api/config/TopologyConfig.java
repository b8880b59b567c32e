package dev.ep4j.api.config;

import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.topology.Topology;
import java.util.List;
import java.util.Map;

/**
 * A cluster ({@code "kind": "topology"}, {@code configs/topologies/<id>.json}): {@code nodes} NVLink domains of
 * {@code gpusPerNode} GPUs, the GPU and NIC profiles they are built from, and the inter-node fabric. Its runtime shape
 * is {@link #shape()}.
 *
 * <p>The canonical constructor validates every field and throws {@link ConfigException} naming the field, the
 * value and the allowed range.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind                   always {@link ConfigKind#TOPOLOGY}.
 * @param id                     the file name without {@code .json}, e.g. {@code "h800-8x2-cx7"}.
 * @param name                   human-readable description.
 * @param nodes                  nodes (NVLink domains), in {@code [1, 65536]}.
 * @param gpusPerNode            GPUs per node (the NVLink domain size), in {@code [1, 65536]}; at most the GPU
 *                               profile's {@code nvlinkDomainMaxGpus} (checked when resolved).
 * @param gpuProfileId           id of the {@link GpuProfile} of every GPU.
 * @param nicProfileId           id of the {@link NicProfile} of every NIC.
 * @param nicsPerNode            RDMA NICs per node, in {@code [0, 1024]}; a divisor or a multiple of
 *                               {@code gpusPerNode}; at least 1 when {@code nodes > 1}.
 * @param railOptimized          true when GPU {@code i} of every node sits on the same rail (its own NIC and leaf
 *                               switch), so DeepEP's same-index RDMA traffic stays on one rail.
 * @param fabricOversubscription ratio of node-facing to uplink bandwidth of the fabric, 1 for non-blocking, in
 *                               {@code [1, 64]}.
 * @param fabricRouting          how the fabric spreads traffic.
 * @param fabricSwitchHops       switches a message crosses between two nodes on the same rail (1 = same leaf,
 *                               3 = leaf-spine-leaf), in {@code [1, 9]}; the NIC latency already includes the first.
 * @param switchHopLatencyNs     latency each switch after the first adds, ns, in {@code [0, 1e9]}.
 * @param sharedGpu              null for physical GPUs; for virtual ranks (every rank of the one node on the same
 *                               physical GPU, {@code nodes = 1}) the measured facts of that GPU, with sources keyed
 *                               {@code sharedGpu.<field>}.
 * @param sources                field name to the source of its value; {@link #SOURCED_FIELDS} must have one.
 */
public record TopologyConfig(
    ConfigKind kind,
    String id,
    String name,
    int nodes,
    int gpusPerNode,
    String gpuProfileId,
    String nicProfileId,
    int nicsPerNode,
    boolean railOptimized,
    double fabricOversubscription,
    FabricRouting fabricRouting,
    int fabricSwitchHops,
    double switchHopLatencyNs,
    @NullAllowed SharedGpuSpec sharedGpu,
    Map<String, String> sources) implements ConfigFile {

    /** Fields that are physical quantities rather than counts and so must have an entry in {@code sources}. */
    public static final List<String> SOURCED_FIELDS = List.of("fabricOversubscription", "switchHopLatencyNs");

    private static final String TYPE = "TopologyConfig";

    /**
     * Validates every field.
     *
     * @param kind always {@link ConfigKind#TOPOLOGY}.
     * @param id the file name without {@code .json}, e.g. {@code "h800-8x2-cx7"}.
     * @param name human-readable description.
     * @param nodes nodes (NVLink domains), in {@code [1, 65536]}.
     * @param gpusPerNode GPUs per node (the NVLink domain size), in {@code [1, 65536]}; at most the GPU profile's
     *     {@code nvlinkDomainMaxGpus} (checked when resolved).
     * @param gpuProfileId id of the {@link GpuProfile} of every GPU.
     * @param nicProfileId id of the {@link NicProfile} of every NIC.
     * @param nicsPerNode RDMA NICs per node, in {@code [0, 1024]}; a divisor or a multiple of {@code gpusPerNode}; at
     *     least 1 when {@code nodes > 1}.
     * @param railOptimized true when GPU {@code i} of every node sits on the same rail (its own NIC and leaf switch),
     *     so DeepEP's same-index RDMA traffic stays on one rail.
     * @param fabricOversubscription ratio of node-facing to uplink bandwidth of the fabric, 1 for non-blocking, in
     *     {@code [1, 64]}.
     * @param fabricRouting how the fabric spreads traffic.
     * @param fabricSwitchHops switches a message crosses between two nodes on the same rail (1 = same leaf, 3 =
     *     leaf-spine-leaf), in {@code [1, 9]}; the NIC latency already includes the first.
     * @param switchHopLatencyNs latency each switch after the first adds, ns, in {@code [0, 1e9]}.
     * @param sharedGpu null for physical GPUs; for virtual ranks on one GPU ({@code nodes = 1}) that GPU's measured
     *     facts, with sources keyed {@code sharedGpu.<field>}.
     * @param sources field name to the source of its value; {@link #SOURCED_FIELDS} must have one.
     * @throws ConfigException naming the field, the value and the allowed range.
     */
    public TopologyConfig {
        Check.kind(TYPE, ConfigKind.TOPOLOGY, kind);
        Check.id(TYPE, "id", id);
        Check.text(TYPE, "name", name);
        Check.range(TYPE, "nodes", nodes, 1, Topology.MAX_RANKS);
        Check.range(TYPE, "gpusPerNode", gpusPerNode, 1, Topology.MAX_RANKS);
        if ((long) nodes * gpusPerNode > Topology.MAX_RANKS) {
            throw Check.fail(TYPE, "nodes", "nodes=" + nodes + " x gpusPerNode=" + gpusPerNode + " = "
                + (long) nodes * gpusPerNode + " ranks exceeds the limit " + Topology.MAX_RANKS);
        }
        Check.id(TYPE, "gpuProfileId", gpuProfileId);
        Check.id(TYPE, "nicProfileId", nicProfileId);
        Check.range(TYPE, "nicsPerNode", nicsPerNode, nodes > 1 ? 1 : 0, 1024);
        if (nicsPerNode > 0 && gpusPerNode % nicsPerNode != 0 && nicsPerNode % gpusPerNode != 0) {
            throw Check.fail(TYPE, "nicsPerNode", "nicsPerNode=" + nicsPerNode + " must divide or be a multiple of"
                + " gpusPerNode=" + gpusPerNode + " so that every GPU has the same share of NICs");
        }
        Check.range(TYPE, "fabricOversubscription", fabricOversubscription, 1, 64, "(1 = non-blocking)");
        Check.notNull(TYPE, "fabricRouting", fabricRouting);
        Check.range(TYPE, "fabricSwitchHops", fabricSwitchHops, 1, 9);
        Check.latencyNs(TYPE, "switchHopLatencyNs", switchHopLatencyNs);
        sources = Check.sources(TYPE, sources);
        if (sharedGpu != null) {
            if (nodes != 1) {
                throw Check.fail(TYPE, "sharedGpu", "sharedGpu puts every rank on one GPU, so nodes must be 1;"
                    + " found nodes=" + nodes);
            }
            for (final String f : SharedGpuSpec.SOURCED_FIELDS) {
                if (!sources.containsKey("sharedGpu." + f)) {
                    throw Check.fail(TYPE, "sources", "no source for sharedGpu." + f + ": add \"sharedGpu." + f
                        + "\": \"<document the value comes from>\"");
                }
            }
        }
    }

    /**
     * @return true when every rank runs on one physical GPU ({@link #sharedGpu()} is set).
     */
    public boolean virtualRanks() {
        return sharedGpu != null;
    }

    /**
     * @return the runtime shape, {@code nodes x gpusPerNode}.
     */
    public Topology shape() {
        return new Topology(nodes, gpusPerNode);
    }

    /**
     * @return total GPUs, {@code nodes * gpusPerNode}.
     */
    public int ranks() {
        return nodes * gpusPerNode;
    }

    /**
     * @return NICs per GPU, e.g. 1.0 for one NIC per GPU, 0.5 when two GPUs share one.
     */
    public double nicsPerGpu() {
        return (double) nicsPerNode / gpusPerNode;
    }

    /**
     * The shape an EP group of {@code ranks} GPUs occupies on this cluster: one partial node when
     * {@code ranks <= gpusPerNode}, otherwise {@code ranks / gpusPerNode} full nodes.
     *
     * @param ranks EP group size, at least 1.
     * @return the group's shape.
     * @throws ConfigException when the group does not fit or does not fill whole nodes.
     */
    public Topology shapeForRanks(final int ranks) {
        if (ranks < 1 || ranks > ranks()) {
            throw new ConfigException("EP size " + ranks + " does not fit topology " + id + ": allowed [1, "
                + ranks() + "] (" + nodes + " nodes x " + gpusPerNode + " GPUs)");
        }
        if (ranks <= gpusPerNode) {
            return new Topology(1, ranks);
        }
        if (ranks % gpusPerNode != 0) {
            throw new ConfigException("EP size " + ranks + " on topology " + id + " spans several nodes, so it must"
                + " be a multiple of gpusPerNode=" + gpusPerNode + "; nearest allowed: "
                + ranks / gpusPerNode * gpusPerNode + " or " + (ranks / gpusPerNode + 1) * gpusPerNode);
        }
        return new Topology(ranks / gpusPerNode, gpusPerNode);
    }
}
