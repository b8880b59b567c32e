/**
 * The simulator's resource and network model: fluid flows over shared resources, rates by max-min fairness.
 *
 * <h2>Model</h2>
 * <ul>
 *   <li>A <b>resource</b> ({@link dev.ep4j.sim.net.ResourceSpec}) is anything with a capacity in bytes/s: a GPU's
 *       NVLink egress or ingress, an NVSwitch, an SM's copy throughput, a PCIe link, a NIC's TX or RX side, a fabric
 *       link with an oversubscription factor. Kinds ({@link dev.ep4j.sim.net.ResourceKind}) are labels; the model is
 *       generic. A resource may also limit message issue (messages/s), serializing the starts of the flows that
 *       cross it (a depth-one token bucket).</li>
 *   <li>A <b>flow</b> moves bytes along a {@link dev.ep4j.sim.net.Path} of distinct resources and then waits a fixed
 *       data latency; its callback fires at last byte + latency. Flag/counter visibility is a separate pure latency
 *       ({@link dev.ep4j.sim.net.Network#signal}).</li>
 *   <li><b>Rates</b> are the max-min fair allocation by progressive filling: repeatedly take the resource with the
 *       smallest fair share {@code remaining capacity / unfrozen flows} (exact rational comparison, lowest id on
 *       ties), freeze its flows at the floor of that share, subtract. Recomputed once per picosecond in which flows
 *       started or ended, only on the connected components touched; completion events are rescheduled when a rate
 *       changes. All-to-all traffic makes one component of everything, so each settle then costs time in proportion
 *       to all concurrent flows; {@link dev.ep4j.sim.net.SharingPolicy#EQUAL_SHARE} (min over the path of
 *       {@code floor(C / n)}, recomputing only flows on changed resources) is the cheap alternative for sweeps.</li>
 * </ul>
 *
 * <h2>Invariants (tested)</h2>
 * <ul>
 *   <li>A flow alone on an idle path ends exactly {@code ceil(bytes * 10^12 / min capacity)} ps after it starts,
 *       plus its latency.</li>
 *   <li>Rates on a resource never sum above its capacity; the incremental recomputation equals a global one.</li>
 *   <li>Byte conservation: bytes delivered through each resource equal the bytes of the flows that crossed it,
 *       exactly (progress is integer bytes plus 10^-12-byte remainders).</li>
 *   <li>No schedule beats {@link dev.ep4j.sim.net.BandwidthBound}: {@code max_r ceil(bytes_r * 10^12 / C_r)}.</li>
 * </ul>
 *
 * <h2>Example: a two-stage chunk pipeline</h2>
 * A sender pushes 4 chunks of 64 kB through its SM copy engine and NVLink egress into a peer's ingress; each chunk
 * is followed by a tail-pointer write visible 0.5 us after the data arrives; the receiver counts tails.
 * <pre>{@code
 * Simulator sim = new Simulator();
 * Network net = new Network(sim);
 * int sm = net.addResource("gpu0.sm3", ResourceKind.SM_COPY, 20_000_000_000L);
 * int out = net.addResource("gpu0.nvl.out", ResourceKind.NVLINK_EGRESS, 160_000_000_000L);
 * int in = net.addResource("gpu1.nvl.in", ResourceKind.NVLINK_INGRESS, 160_000_000_000L);
 * Path p = net.path(sm, out, in);                       // build once, reuse per chunk
 * long[] tail = {0};
 * EventHandler onTail = (chunk, unused) -> tail[0] = chunk + 1;
 * EventHandler onData = new EventHandler() {            // data landed: publish the tail, send the next chunk
 *     public void onEvent(long chunk, long total) {
 *         net.signal(500_000L, onTail, chunk, 0L);
 *         if (chunk + 1 < total) {
 *             net.startFlow(p, 65_536L, 1_000_000L, this, chunk + 1, total);
 *         }
 *     }
 * };
 * net.startFlow(p, 65_536L, 1_000_000L, onData, 0L, 4L);
 * sim.runUntilIdle();
 * // each chunk: ceil(65536 B / 20 GB/s) = 3_276_800 ps on the SM (the bottleneck) + 1 us latency;
 * // the 4th tail is visible at 4 * 4_276_800 + 500_000 = 17_607_200 ps
 * }</pre>
 *
 * <p>Everything here is single-threaded by design, driven by one {@link dev.ep4j.sim.event.Simulator}.
 */
package dev.ep4j.sim.net;
