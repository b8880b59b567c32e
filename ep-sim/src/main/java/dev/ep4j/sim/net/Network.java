package dev.ep4j.sim.net;

import dev.ep4j.api.error.SimulationException;
import dev.ep4j.sim.event.Durations;
import dev.ep4j.sim.event.EventClass;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.ExactMath;
import dev.ep4j.sim.event.Simulator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Fluid flows over shared resources with max-min fair rates, driven by a {@link Simulator}.
 *
 * <p><b>Model.</b> A resource has an integer capacity in bytes/s. A flow moves {@code bytes} along a {@link Path}
 * of distinct resources; while active it has one rate (bytes/s) on every resource of its path, and the rates of all
 * active flows are the max-min fair allocation (progressive filling), floored to whole bytes/s so that the rates on a
 * resource never sum above its capacity. The last byte leaves the path at the first picosecond by which the flow has
 * moved all its bytes; the flow's callback then fires {@code latencyPs} later with class
 * {@link EventClass#DATA_ARRIVAL} (data latency is added after the last byte; bandwidth is held only while bytes
 * move).
 *
 * <p><b>Recomputation.</b> Starting or ending a flow marks its resources dirty and schedules one settle event at the
 * current picosecond with class {@link EventClass#NET_SETTLE} (after all other events of that picosecond), so any
 * number of starts and ends at one time cost one recomputation. The settle finds the connected components of the
 * resource/flow graph that contain a dirty resource (breadth-first over active flows) and recomputes their rates; a
 * flow whose rate changed has its progress brought up to now at the old rate and its last-byte event rescheduled.
 * Flows in other components keep their rates and events: max-min fairness decomposes over components, so this equals
 * a global recomputation ({@link #setIncremental(boolean)} switches to global for cross-checking). Note that
 * all-to-all traffic joins every resource into one component, so there each settle costs time proportional to all
 * concurrent flows.
 *
 * <p><b>Policies.</b> {@link SharingPolicy#MAX_MIN} (above) is the default. {@link SharingPolicy#EQUAL_SHARE} gives
 * each flow {@code min over its path of floor(capacity / active flows)} and recomputes only the flows on the resources
 * that changed: about 100 times cheaper under all-to-all traffic at 64 GPUs, not work-conserving
 * ({@link #setSharingPolicy}).
 *
 * <p><b>Exactness.</b> Progress is kept as whole bytes plus a remainder in units of 10^-12 byte, advanced with
 * integer arithmetic ({@link ExactMath}); a flow alone on an idle path ends exactly
 * {@link Durations#transferPs(long, long)} after it starts. Per-resource byte counters are exact, so the bytes
 * delivered through a resource equal the bytes of the flows that crossed it.
 *
 * <p><b>Message rate.</b> A resource with a message-rate limit ({@link ResourceSpec#messagesPerSec()}) serializes
 * flow issue: each flow crossing it counts as one message, and a flow starts moving bytes at the first issue slot of
 * every rate-limited resource on its path (FIFO in {@code startFlow} order; see {@link ResourceSpec}).
 *
 * <p><b>Worked example.</b> Two 1 MB flows share a 100 GB/s link; the second also crosses a 20 GB/s link.
 * Progressive filling fixes the 20 GB/s link first (share 20 GB/s &lt; 50 GB/s), so flow b gets 20 GB/s and flow a
 * the remaining 80 GB/s. a ends at 12.5 us; b has moved 250 kB by then and keeps 20 GB/s (still bound by the slow
 * link), ending at 50 us; each callback fires 1 us later.
 * <pre>{@code
 * Simulator sim = new Simulator();
 * Network net = new Network(sim);
 * int fast = net.addResource("link", ResourceKind.FABRIC, 100_000_000_000L);
 * int slow = net.addResource("slow", ResourceKind.FABRIC, 20_000_000_000L);
 * Path pa = net.path(fast);
 * Path pb = net.path(fast, slow);
 * EventHandler done = (id, unused) -> System.out.println(id + " at " + sim.nowPs() + " ps");
 * net.startFlow(pa, 1_000_000L, Durations.PS_PER_US, done, 1L, 0L);
 * net.startFlow(pb, 1_000_000L, Durations.PS_PER_US, done, 2L, 0L);
 * sim.runUntilIdle();   // "1 at 13500000 ps", then "2 at 51000000 ps"
 * }</pre>
 *
 * <p><b>Cost.</b> A settle costs O((R + P) log R) for a component with R resources and P (flow, hop) pairs; the
 * event core adds O(log n) per rescheduled flow.
 *
 * <p>Thread safety: not thread-safe; single-threaded by design, like the simulator it belongs to.
 */
public final class Network {
    /** Value meaning "no flow"; never a valid flow handle. */
    public static final long NO_FLOW = -1L;
    /** Default longest path, in resources. */
    public static final int DEFAULT_MAX_HOPS = 16;

    private static final long PS = Durations.PS_PER_SECOND;
    private static final int EV_LAST_BYTE = 0;
    private static final int EV_ISSUE = 1;
    private static final int EV_SETTLE = 2;
    private static final byte FREE = 0;
    private static final byte PENDING = 1;
    private static final byte ACTIVE = 2;

    private final Simulator sim;
    private final EventHandler internal = this::onInternalEvent;
    private final int hopShift;
    private final int maxHops;
    private boolean incremental = true;
    private SharingPolicy policy = SharingPolicy.MAX_MIN;
    private FlowObserver observer;

    // ---- resources ----
    private final List<ResourceSpec> specs = new ArrayList<>();
    private int resourceCount;
    private long[] resCap = new long[16];
    /** Equal share {@code resCap / resFlows}, refreshed for the dirty resources at each equal-share settle. */
    private long[] resShare = new long[16];
    private long[] resMsgRate = new long[16];
    private long[] resMsgIntQ = new long[16];
    private long[] resMsgIntR = new long[16];
    private long[] resNextIssue = new long[16];
    private long[] resNextFrac = new long[16];
    private int[] resHead = new int[16];
    private int[] resTail = new int[16];
    private int[] resFlows = new int[16];
    private long[] resAllocated = new long[16];
    private long[] resDelivW = new long[16];
    private long[] resDelivF = new long[16];
    private long[] resBnW = new long[16];
    private long[] resBnF = new long[16];
    private long[] resBusy = new long[16];
    private long[] resBusySince = new long[16];
    private long[] resRemCap = new long[16];
    private int[] resUnfrozen = new int[16];
    private int[] resMark = new int[16];
    private boolean[] resDirty = new boolean[16];
    private int[] dirty = new int[16];
    private int dirtyCount;
    private int[] compRes = new int[16];

    // ---- flows (slot-indexed) ----
    private int flowCap;
    private int flowHighWater;
    private int freeFlow = -1;
    private int activeFlowCount;
    private int[] flowGen;
    private byte[] flowState;
    private int[] flowNextFree;
    private Path[] flowPath;
    private long[] flowBytes;
    private long[] flowRemW;
    private long[] flowRemF;
    private long[] flowRate;
    private long[] flowNewRate;
    private long[] flowLastUpdate;
    private long[] flowRequest;
    private long[] flowStart;
    private long[] flowTag;
    private long[] flowLatency;
    private long[] flowEvent;
    private EventHandler[] flowCb;
    private long[] flowArg0;
    private long[] flowArg1;
    private int[] flowBnHop;
    private int[] flowNewBnHop;
    private int[] flowLen;
    private int[] flowMark;
    private int[] flowFrozen;
    private int[] compFlows;

    // ---- (flow, hop) entries: index = slot << hopShift | hop; the hop's resource, doubly-linked per resource ----
    private int[] entRes;
    private int[] entNext;
    private int[] entPrev;
    private double[] entBnBytes;

    /** Resources by fair share for progressive filling (max-min settles). */
    private final ShareHeap heap = new ShareHeap();

    private int epoch;
    private long settleEvent = Simulator.NO_EVENT;
    private boolean settlePending;
    private long settles;
    private long settledFlows;

    /**
     * Creates an empty network with paths of up to {@value #DEFAULT_MAX_HOPS} resources.
     *
     * @param sim the simulator that drives it.
     */
    public Network(final Simulator sim) {
        this(sim, DEFAULT_MAX_HOPS);
    }

    /**
     * Creates an empty network.
     *
     * @param sim     the simulator that drives it.
     * @param maxHops longest path allowed, in resources, in {@code [1, 1024]}.
     */
    public Network(final Simulator sim, final int maxHops) {
        this.sim = Objects.requireNonNull(sim, "sim");
        if (maxHops < 1 || maxHops > 1024) {
            throw new IllegalArgumentException("maxHops must be in [1, 1024]: " + maxHops);
        }
        this.maxHops = maxHops;
        this.hopShift = 32 - Integer.numberOfLeadingZeros(maxHops - 1);
        allocateFlows(64);
    }

    /**
     * @return the simulator driving this network.
     */
    public Simulator simulator() {
        return sim;
    }

    // ------------------------------------------------------------------------------------------------ resources

    /**
     * Adds a resource.
     *
     * @param spec its description.
     * @return its id, consecutive from 0.
     */
    public int addResource(final ResourceSpec spec) {
        Objects.requireNonNull(spec, "spec");
        final int r = resourceCount;
        if (r == resCap.length) {
            growResources(2 * r);
        }
        specs.add(spec);
        resCap[r] = spec.effectiveCapacityBytesPerSec();
        final long m = spec.messagesPerSec();
        resMsgRate[r] = m;
        if (m > 0L) {
            resMsgIntQ[r] = PS / m;
            resMsgIntR[r] = PS % m;
        }
        resNextIssue[r] = Long.MIN_VALUE;
        resHead[r] = -1;
        resTail[r] = -1;
        resourceCount = r + 1;
        return r;
    }

    /**
     * Adds a plain resource (no oversubscription, no message-rate limit).
     *
     * @param name                name for reports.
     * @param kind                what it stands for.
     * @param capacityBytesPerSec capacity in bytes per second, {@code >= 1}.
     * @return its id.
     */
    public int addResource(final String name, final ResourceKind kind, final long capacityBytesPerSec) {
        return addResource(ResourceSpec.of(name, kind, capacityBytesPerSec));
    }

    /**
     * @return number of resources.
     */
    public int resourceCount() {
        return resourceCount;
    }

    /**
     * @param resource a resource id.
     * @return its description.
     */
    public ResourceSpec resourceSpec(final int resource) {
        return specs.get(checkResource(resource));
    }

    /**
     * @param resource a resource id.
     * @return its name.
     */
    public String resourceName(final int resource) {
        return specs.get(checkResource(resource)).name();
    }

    /**
     * @param resource a resource id.
     * @return the capacity the model shares, in bytes per second (after oversubscription).
     */
    public long capacity(final int resource) {
        return resCap[checkResource(resource)];
    }

    /**
     * @return a copy of every resource's effective capacity in bytes per second, indexed by id.
     */
    public long[] capacities() {
        return Arrays.copyOf(resCap, resourceCount);
    }

    /**
     * Makes a path. Build paths once and reuse them.
     *
     * @param resources distinct resource ids in path order; at least one, at most {@code maxHops}.
     * @return the path.
     */
    public Path path(final int... resources) {
        Objects.requireNonNull(resources, "resources");
        if (resources.length < 1 || resources.length > maxHops) {
            throw new IllegalArgumentException("a path needs 1 to " + maxHops + " resources: got "
                + resources.length + " (raise maxHops in the Network constructor for longer paths)");
        }
        int limited = 0;
        for (int i = 0; i < resources.length; i++) {
            checkResource(resources[i]);
            for (int j = 0; j < i; j++) {
                if (resources[j] == resources[i]) {
                    throw new IllegalArgumentException("a path must not cross resource " + resources[i] + " ('"
                        + resourceName(resources[i]) + "') twice: " + Arrays.toString(resources));
                }
            }
            if (resMsgRate[resources[i]] > 0L) {
                limited++;
            }
        }
        final int[] lim = new int[limited];
        int k = 0;
        for (final int r : resources) {
            if (resMsgRate[r] > 0L) {
                lim[k++] = r;
            }
        }
        return new Path(this, resources.clone(), lim);
    }

    // ------------------------------------------------------------------------------------------------ flows

    /**
     * Starts a flow now. Equivalent to {@link #startFlow(Path, long, long, long, EventHandler, long, long)} with
     * tag 0.
     *
     * @param path      the resources it crosses.
     * @param bytes     bytes to move, {@code >= 0}.
     * @param latencyPs data latency in picoseconds, added after the last byte, {@code >= 0}.
     * @param onArrival called at last byte + latency with class {@link EventClass#DATA_ARRIVAL}, or {@code null}.
     * @param arg0      first argument for {@code onArrival}.
     * @param arg1      second argument for {@code onArrival}.
     * @return the flow's handle.
     */
    public long startFlow(final Path path, final long bytes, final long latencyPs, final EventHandler onArrival,
                          final long arg0, final long arg1) {
        return startFlow(path, bytes, latencyPs, 0L, onArrival, arg0, arg1);
    }

    /**
     * Starts a flow now: from the next settle (at this picosecond) it shares bandwidth on every resource of
     * {@code path}; when all bytes have moved, the last-byte time is reported to the {@link FlowObserver} and
     * {@code onArrival} is scheduled {@code latencyPs} later. A zero-byte flow takes no bandwidth (it still takes a
     * message slot on rate-limited resources). Allocates nothing once the flow pool has grown to the run's peak.
     *
     * @param path      the resources it crosses (from {@link #path(int...)} of this network).
     * @param bytes     bytes to move, {@code >= 0}.
     * @param latencyPs data latency in picoseconds, added after the last byte, {@code >= 0}.
     * @param tag       caller's label for attribution (for example owner and phase packed in a long).
     * @param onArrival called at last byte + latency with class {@link EventClass#DATA_ARRIVAL}, or {@code null}.
     * @param arg0      first argument for {@code onArrival}.
     * @param arg1      second argument for {@code onArrival}.
     * @return the flow's handle, valid until the last byte (or cancellation).
     */
    public long startFlow(final Path path, final long bytes, final long latencyPs, final long tag,
                          final EventHandler onArrival, final long arg0, final long arg1) {
        if (path == null || path.owner != this) {
            throw new IllegalArgumentException("path must come from this network's path(...): " + path);
        }
        if (bytes < 0L || latencyPs < 0L) {
            throw new IllegalArgumentException("bytes and latencyPs must be >= 0: bytes=" + bytes + " latencyPs="
                + latencyPs + " on " + path);
        }
        final long now = sim.nowPs();
        final int f = allocFlow();
        flowPath[f] = path;
        flowBytes[f] = bytes;
        flowTag[f] = tag;
        flowLatency[f] = latencyPs;
        flowCb[f] = onArrival;
        flowArg0[f] = arg0;
        flowArg1[f] = arg1;
        flowRequest[f] = now;
        flowRate[f] = 0L;
        flowEvent[f] = Simulator.NO_EVENT;
        activeFlowCount++;
        final long handle = handle(f);
        final long issue = path.rateLimited.length == 0 ? now : takeIssueSlots(path.rateLimited, now);
        if (issue > now) {
            flowState[f] = PENDING;
            flowEvent[f] = sim.schedule(issue, EventClass.NET_ISSUE, internal, handle, EV_ISSUE);
        } else {
            activate(f);
        }
        return handle;
    }

    /**
     * Stops a flow without calling its callback or observer. Bytes it already moved stay counted on its resources.
     *
     * @param flow a flow handle; stale handles are ignored.
     * @return {@code true} if the flow was active (or waiting for issue) and is now cancelled.
     */
    public boolean cancelFlow(final long flow) {
        final int f = liveSlot(flow);
        if (f < 0) {
            return false;
        }
        sim.cancel(flowEvent[f]);
        if (flowState[f] == ACTIVE) {
            advance(f, sim.nowPs());
            unlink(f);
        }
        freeFlow(f);
        return true;
    }

    /**
     * Schedules the visibility of a flag or counter write (ring head/tail, notify counter): a pure latency with class
     * {@link EventClass#FLAG_VISIBLE}, which orders it after data arriving at the same picosecond. To keep the
     * order "data, then flag", post the flag from the data's callback (or with a latency no shorter than the data's
     * remaining time). A flag that must take a NIC message slot is a zero-byte flow instead.
     *
     * @param latencyPs visibility latency in picoseconds, {@code >= 0}.
     * @param handler   called when the write becomes visible.
     * @param arg0      first argument for the handler.
     * @param arg1      second argument for the handler.
     * @return the event's handle.
     */
    public long signal(final long latencyPs, final EventHandler handler, final long arg0, final long arg1) {
        return sim.scheduleAfter(latencyPs, EventClass.FLAG_VISIBLE, handler, arg0, arg1);
    }

    /**
     * Recomputes rates now instead of at the end of the picosecond. Needed only to read {@link #flowRate} right
     * after starting or ending flows outside the event loop; the result is the same either way.
     */
    public void settle() {
        if (settlePending) {
            sim.cancel(settleEvent);
            settlePending = false;
        }
        doSettle();
    }

    /**
     * @param flow a flow handle.
     * @return whether the flow is active or waiting for its issue slot.
     */
    public boolean isActive(final long flow) {
        return liveSlot(flow) >= 0;
    }

    /**
     * @param flow a live flow handle.
     * @return its current rate in bytes per second (0 before the first settle or while waiting for issue).
     */
    public long flowRate(final long flow) {
        return flowRate[checkFlow(flow)];
    }

    /**
     * @param flow a live flow handle.
     * @return bytes still to move as of now, rounded up to a whole byte.
     */
    public long flowRemainingBytes(final long flow) {
        final int f = checkFlow(flow);
        if (flowState[f] == ACTIVE) {
            advance(f, sim.nowPs());
        }
        return flowRemW[f] + (flowRemF[f] > 0L ? 1L : 0L);
    }

    /**
     * @param flow a live flow handle.
     * @return the resource that bounds its rate now (where progressive filling froze it), or -1 if not yet settled.
     */
    public int flowBottleneck(final long flow) {
        final int f = checkFlow(flow);
        final int h = flowBnHop[f];
        return h < 0 ? -1 : flowPath[f].resources[h];
    }

    /**
     * @param flow a live flow handle.
     * @return its tag.
     */
    public long flowTag(final long flow) {
        return flowTag[checkFlow(flow)];
    }

    /**
     * @param flow a live flow handle.
     * @return the time its last-byte event is scheduled for, in picoseconds, or -1 if not yet settled.
     */
    public long flowEndPs(final long flow) {
        final int f = checkFlow(flow);
        return flowState[f] == ACTIVE && sim.isPending(flowEvent[f]) ? sim.timeOf(flowEvent[f]) : -1L;
    }

    /**
     * @return flows that are active or waiting for issue.
     */
    public int activeFlowCount() {
        return activeFlowCount;
    }

    /**
     * @param resource a resource id.
     * @return flows currently moving bytes through it.
     */
    public int activeFlows(final int resource) {
        return resFlows[checkResource(resource)];
    }

    /**
     * @param resource a resource id.
     * @return sum of the rates of its flows as of the last settle, in bytes per second ({@code <= capacity}).
     */
    public long allocatedRate(final int resource) {
        return resAllocated[checkResource(resource)];
    }

    /**
     * Bytes moved through a resource. Exact for finished flows; flows still moving are counted up to their last rate
     * change (call {@link #syncCounters()} first for an up-to-the-picosecond value).
     *
     * @param resource a resource id.
     * @return whole bytes moved through it.
     */
    public long bytesDelivered(final int resource) {
        return resDelivW[checkResource(resource)];
    }

    /**
     * Bytes moved through a resource while it was the bottleneck of the flow that moved them (same accounting rule
     * as {@link #bytesDelivered}).
     *
     * @param resource a resource id.
     * @return whole bytes.
     */
    public long bottleneckBytes(final int resource) {
        return resBnW[checkResource(resource)];
    }

    /**
     * @param resource a resource id.
     * @return picoseconds during which at least one flow was moving bytes through it, up to now.
     */
    public long busyPs(final int resource) {
        final int r = checkResource(resource);
        return resBusy[r] + (resFlows[r] > 0 ? sim.nowPs() - resBusySince[r] : 0L);
    }

    /** Brings every active flow's progress, and so the byte counters, up to now. Costs O(active flows). */
    public void syncCounters() {
        final long now = sim.nowPs();
        for (int f = 0; f < flowHighWater; f++) {
            if (flowState[f] == ACTIVE) {
                advance(f, now);
            }
        }
    }

    /**
     * @param flowObserver told about every finished flow, or {@code null} for none.
     */
    public void setFlowObserver(final FlowObserver flowObserver) {
        this.observer = flowObserver;
    }

    /**
     * Chooses incremental (connected components of dirty resources; the default) or global recomputation (every
     * resource, every settle). Both give identical rates; global exists to cross-check incremental.
     *
     * @param value {@code true} for incremental.
     */
    public void setIncremental(final boolean value) {
        this.incremental = value;
    }

    /**
     * Chooses how flows share resources. Only while no flow is active.
     *
     * @param sharing the policy; {@link SharingPolicy#MAX_MIN} by default.
     */
    public void setSharingPolicy(final SharingPolicy sharing) {
        Objects.requireNonNull(sharing, "sharing");
        if (activeFlowCount != 0) {
            throw new IllegalStateException("cannot change the sharing policy with " + activeFlowCount
                + " active flows; set it before starting any");
        }
        this.policy = sharing;
    }

    /**
     * @return the sharing policy.
     */
    public SharingPolicy sharingPolicy() {
        return policy;
    }

    /**
     * @return number of rate recomputations (settles that found dirty resources).
     */
    public long settleCount() {
        return settles;
    }

    /**
     * @return total flows whose rates were recomputed, summed over settles.
     */
    public long settledFlowCount() {
        return settledFlows;
    }

    // ------------------------------------------------------------------------------------------------ internals

    private void onInternalEvent(final long arg0, final long kind) {
        if (kind == EV_SETTLE) {
            settlePending = false;
            doSettle();
            return;
        }
        final int f = (int) arg0;
        flowEvent[f] = Simulator.NO_EVENT;
        if (kind == EV_LAST_BYTE) {
            finish(f);
        } else {
            activate(f);
        }
    }

    private void activate(final int f) {
        final long now = sim.nowPs();
        flowStart[f] = now;
        flowLastUpdate[f] = now;
        flowRemW[f] = flowBytes[f];
        flowRemF[f] = 0L;
        flowBnHop[f] = -1;
        flowState[f] = ACTIVE;
        if (flowBytes[f] == 0L) {
            finish(f);
            return;
        }
        final int[] res = flowPath[f].resources;
        final int base = f << hopShift;
        flowLen[f] = res.length;
        for (int h = 0; h < res.length; h++) {
            final int r = res[h];
            final int e = base | h;
            entRes[e] = r;
            entBnBytes[e] = 0.0;
            entNext[e] = -1;
            final int tail = resTail[r];
            entPrev[e] = tail;
            if (tail < 0) {
                resHead[r] = e;
            } else {
                entNext[tail] = e;
            }
            resTail[r] = e;
            if (resFlows[r]++ == 0) {
                resBusySince[r] = now;
            }
            markDirty(r);
        }
    }

    private void finish(final int f) {
        final long now = sim.nowPs();
        int bottleneck = -1;
        if (flowBytes[f] != 0L) {
            advance(f, now);
            if (flowRemW[f] != 0L || flowRemF[f] != 0L) {
                throw new SimulationException("internal error: flow " + handle(f) + " on " + flowPath[f]
                    + " reached its last-byte event at t=" + now + " ps with " + flowRemW[f] + " bytes + "
                    + flowRemF[f] + "e-12 bytes left");
            }
            bottleneck = dominantBottleneck(f);
            unlink(f);
        }
        if (observer != null) {
            observer.onFlowFinished(handle(f), flowTag[f], flowBytes[f], flowRequest[f], flowStart[f], now,
                bottleneck);
        }
        final EventHandler cb = flowCb[f];
        if (cb != null) {
            sim.schedule(now + flowLatency[f], EventClass.DATA_ARRIVAL, cb, flowArg0[f], flowArg1[f]);
        }
        freeFlow(f);
    }

    private int dominantBottleneck(final int f) {
        final int[] res = flowPath[f].resources;
        final int base = f << hopShift;
        int best = -1;
        double bestBytes = -1.0;
        for (int h = 0; h < res.length; h++) {
            if (entBnBytes[base | h] > bestBytes) {
                bestBytes = entBnBytes[base | h];
                best = h;
            }
        }
        if (bestBytes <= 0.0) {
            best = flowBnHop[f];
        }
        return best < 0 ? -1 : res[best];
    }

    private void unlink(final int f) {
        final long now = sim.nowPs();
        final int base = f << hopShift;
        final int len = flowLen[f];
        for (int h = 0; h < len; h++) {
            final int e = base | h;
            final int r = entRes[e];
            final int prev = entPrev[e];
            final int next = entNext[e];
            if (prev < 0) {
                resHead[r] = next;
            } else {
                entNext[prev] = next;
            }
            if (next < 0) {
                resTail[r] = prev;
            } else {
                entPrev[next] = prev;
            }
            resAllocated[r] -= flowRate[f];
            if (--resFlows[r] == 0) {
                resBusy[r] += now - resBusySince[r];
            }
            markDirty(r);
        }
    }

    private void markDirty(final int r) {
        if (!resDirty[r]) {
            resDirty[r] = true;
            dirty[dirtyCount++] = r;
        }
        if (!settlePending) {
            settleEvent = sim.schedule(sim.nowPs(), EventClass.NET_SETTLE, internal, 0L, EV_SETTLE);
            settlePending = true;
        }
    }

    /** Takes the next issue slot on every rate-limited resource of a path; returns the issue time. */
    private long takeIssueSlots(final int[] limited, final long now) {
        long issue = now;
        for (final int r : limited) {
            final long earliest = resNextIssue[r] + (resNextFrac[r] > 0L ? 1L : 0L);
            if (earliest > issue) {
                issue = earliest;
            }
        }
        for (final int r : limited) {
            final long next = resNextIssue[r];
            final long frac = resNextFrac[r];
            final boolean busyUntilIssue = next >= now && next + (frac > 0L ? 1L : 0L) == issue;
            long baseW = busyUntilIssue ? next : issue;
            long baseF = busyUntilIssue ? frac : 0L;
            baseW += resMsgIntQ[r];
            baseF += resMsgIntR[r];
            if (baseF >= resMsgRate[r]) {
                baseF -= resMsgRate[r];
                baseW++;
            }
            resNextIssue[r] = baseW;
            resNextFrac[r] = baseF;
        }
        return issue;
    }

    /** Moves a flow's progress to time t at its current rate, crediting the bytes to its resources. */
    private void advance(final int f, final long t) {
        final long dt = t - flowLastUpdate[f];
        if (dt <= 0L) {
            return;
        }
        flowLastUpdate[f] = t;
        final long rate = flowRate[f];
        if (rate == 0L) {
            return;
        }
        long whole = ExactMath.mulDivFloor(rate, dt, PS);
        long frac = rate * dt - whole * PS;
        final long remW = flowRemW[f];
        final long remF = flowRemF[f];
        if (whole > remW || (whole == remW && frac >= remF)) {
            whole = remW;
            frac = remF;
            flowRemW[f] = 0L;
            flowRemF[f] = 0L;
        } else {
            long w = remW - whole;
            long fr = remF - frac;
            if (fr < 0L) {
                fr += PS;
                w--;
            }
            flowRemW[f] = w;
            flowRemF[f] = fr;
        }
        final int base = f << hopShift;
        final int end = base + flowLen[f];
        for (int e = base; e < end; e++) {
            final int r = entRes[e];
            long df = resDelivF[r] + frac;
            long dw = resDelivW[r] + whole;
            if (df >= PS) {
                df -= PS;
                dw++;
            }
            resDelivF[r] = df;
            resDelivW[r] = dw;
        }
        final int bh = flowBnHop[f];
        if (bh >= 0) {
            final int r = entRes[base | bh];
            long df = resBnF[r] + frac;
            long dw = resBnW[r] + whole;
            if (df >= PS) {
                df -= PS;
                dw++;
            }
            resBnF[r] = df;
            resBnW[r] = dw;
            entBnBytes[base | bh] += whole + frac * 1e-12;
        }
    }

    private void doSettle() {
        if (dirtyCount == 0) {
            return;
        }
        if (policy == SharingPolicy.EQUAL_SHARE) {
            settleEqualShare();
            return;
        }
        final long now = sim.nowPs();
        final int e0 = ++epoch;
        // 1. Seeds: dirty resources (or all of them in global mode).
        int nr = 0;
        if (incremental) {
            for (int i = 0; i < dirtyCount; i++) {
                final int r = dirty[i];
                resMark[r] = e0;
                compRes[nr++] = r;
            }
        } else {
            for (int r = 0; r < resourceCount; r++) {
                resMark[r] = e0;
                compRes[nr++] = r;
            }
        }
        for (int i = 0; i < dirtyCount; i++) {
            resDirty[dirty[i]] = false;
        }
        dirtyCount = 0;
        // 2. Breadth-first over active flows: the connected components that hold a seed.
        int nf = 0;
        final int shift = hopShift;
        final int[] eres = entRes;
        for (int i = 0; i < nr; i++) {
            for (int e = resHead[compRes[i]]; e >= 0; e = entNext[e]) {
                final int f = e >>> shift;
                if (flowMark[f] != e0) {
                    flowMark[f] = e0;
                    compFlows[nf++] = f;
                    final int base = f << shift;
                    final int end = base + flowLen[f];
                    for (int k = base; k < end; k++) {
                        final int q = eres[k];
                        if (resMark[q] != e0) {
                            resMark[q] = e0;
                            compRes[nr++] = q;
                        }
                    }
                }
            }
        }
        settles++;
        settledFlows += nf;
        // 3. Progressive filling. Heap keys are (remaining / unfrozen, id) at push time; a resource's share only
        //    grows while filling, so a key is a lower bound: a popped entry whose share has grown is pushed again
        //    with its current share, one whose flows are all frozen is dropped. The first up-to-date entry popped is
        //    the resource with the smallest current share (lowest id on ties).
        final ShareHeap h = heap;
        h.clear(nr);
        for (int i = 0; i < nr; i++) {
            final int r = compRes[i];
            final long cap = resCap[r];
            final int n = resFlows[r];
            resRemCap[r] = cap;
            resUnfrozen[r] = n;
            if (n > 0) {
                h.append(cap, n, r);
            }
        }
        h.heapify();
        while (!h.isEmpty()) {
            final long share = h.topShare();
            final long rem = h.topRemaining();
            final int n = h.topFlows();
            final int r = h.topResource();
            h.pop();
            final int curN = resUnfrozen[r];
            if (curN == 0) {
                continue;
            }
            final long curRem = resRemCap[r];
            if (curN != n || curRem != rem) {
                h.push(curRem, curN, r);
                continue;
            }
            if (share <= 0L) {
                throw new SimulationException("resource " + r + " ('" + resourceName(r) + "') has " + rem
                    + " B/s left for " + n + " flows at t=" + now + " ps: a zero rate would never finish; give it "
                    + "more capacity or fewer concurrent flows");
            }
            for (int e = resHead[r]; e >= 0; e = entNext[e]) {
                final int f = e >>> shift;
                if (flowFrozen[f] == e0) {
                    continue;
                }
                flowFrozen[f] = e0;
                flowNewRate[f] = share;
                flowNewBnHop[f] = e & ((1 << shift) - 1);
                final int base = f << shift;
                final int end = base + flowLen[f];
                for (int k = base; k < end; k++) {
                    final int q = eres[k];
                    resRemCap[q] -= share;
                    resUnfrozen[q]--;
                }
            }
        }
        applyNewRates(nf, now);
    }

    /** Equal share: only flows on dirty resources can change; each gets min over its path of floor(C / n). */
    private void settleEqualShare() {
        final long now = sim.nowPs();
        final int e0 = ++epoch;
        final int shift = hopShift;
        final int[] eres = entRes;
        int nf = 0;
        if (incremental) {
            for (int i = 0; i < dirtyCount; i++) {
                for (int e = resHead[dirty[i]]; e >= 0; e = entNext[e]) {
                    final int f = e >>> shift;
                    if (flowMark[f] != e0) {
                        flowMark[f] = e0;
                        compFlows[nf++] = f;
                    }
                }
            }
        } else {
            for (int f = 0; f < flowHighWater; f++) {
                if (flowState[f] == ACTIVE && flowBytes[f] != 0L) {
                    compFlows[nf++] = f;
                }
            }
        }
        // every change of a resource's flow count marks it dirty, so the shares of the others are still current
        final long[] shares = resShare;
        for (int i = 0; i < dirtyCount; i++) {
            final int r = dirty[i];
            resDirty[r] = false;
            shares[r] = resFlows[r] > 0 ? resCap[r] / resFlows[r] : 0L;
        }
        dirtyCount = 0;
        settles++;
        settledFlows += nf;
        for (int i = 0; i < nf; i++) {
            final int f = compFlows[i];
            final int base = f << shift;
            final int len = flowLen[f];
            long best = Long.MAX_VALUE;
            int bestHop = 0;
            for (int h = 0; h < len; h++) {
                final int r = eres[base | h];
                final long share = shares[r];
                if (share < best) {
                    best = share;
                    bestHop = h;
                }
            }
            if (best <= 0L) {
                final int r = eres[base | bestHop];
                throw new SimulationException("resource " + r + " ('" + resourceName(r) + "') of " + resCap[r]
                    + " B/s is shared by " + resFlows[r] + " flows at t=" + now + " ps: a zero rate would never "
                    + "finish; give it more capacity or fewer concurrent flows");
            }
            flowNewRate[f] = best;
            flowNewBnHop[f] = bestHop;
        }
        applyNewRates(nf, now);
    }

    /**
     * Installs the rates computed for {@code compFlows[0..nf)}: a flow whose rate or bottleneck changed has its
     * progress brought up to now at the old rate (credited to the old bottleneck); a flow whose rate changed gets a
     * new last-byte time and its resources' allocated rate is adjusted. Progress of unchanged flows is brought up to
     * date later (it is linear in time at a constant rate, so nothing is lost).
     */
    private void applyNewRates(final int nf, final long now) {
        for (int i = 0; i < nf; i++) {
            final int f = compFlows[i];
            final long rate = flowNewRate[f];
            final int bn = flowNewBnHop[f];
            final boolean scheduled = flowEvent[f] != Simulator.NO_EVENT;
            if (rate == flowRate[f] && bn == flowBnHop[f] && scheduled) {
                continue;
            }
            advance(f, now);
            flowBnHop[f] = bn;
            if (rate == flowRate[f] && scheduled) {
                continue;
            }
            final long delta = rate - flowRate[f];
            final int base = f << hopShift;
            final int stop = base + flowLen[f];
            for (int k = base; k < stop; k++) {
                resAllocated[entRes[k]] += delta;
            }
            flowRate[f] = rate;
            final long end = now + ExactMath.mulAddDivCeil(flowRemW[f], PS, flowRemF[f], rate);
            if (scheduled) {
                sim.reschedule(flowEvent[f], end);
            } else {
                flowEvent[f] = sim.schedule(end, EventClass.NET_LAST_BYTE, internal, f, EV_LAST_BYTE);
            }
        }
    }

    // ---- pools ----

    private long handle(final int f) {
        return ((long) flowGen[f] << 32) | f;
    }

    private int liveSlot(final long flow) {
        if (flow < 0L) {
            return -1;
        }
        final int f = (int) flow;
        if (f >= flowHighWater || flowGen[f] != (int) (flow >>> 32) || flowState[f] == FREE) {
            return -1;
        }
        return f;
    }

    private int checkFlow(final long flow) {
        final int f = liveSlot(flow);
        if (f < 0) {
            throw new IllegalStateException("flow " + flow + " is not active (it finished or was cancelled)");
        }
        return f;
    }

    private int checkResource(final int resource) {
        if (resource < 0 || resource >= resourceCount) {
            throw new IllegalArgumentException("no resource " + resource + ": ids are 0.." + (resourceCount - 1));
        }
        return resource;
    }

    private int allocFlow() {
        int f = freeFlow;
        if (f >= 0) {
            freeFlow = flowNextFree[f];
        } else {
            if (flowHighWater == flowCap) {
                allocateFlows(2 * flowCap);
            }
            f = flowHighWater++;
        }
        return f;
    }

    private void freeFlow(final int f) {
        flowState[f] = FREE;
        flowGen[f] = (flowGen[f] + 1) & Integer.MAX_VALUE;
        flowCb[f] = null;
        flowPath[f] = null;
        flowEvent[f] = Simulator.NO_EVENT;
        flowNextFree[f] = freeFlow;
        freeFlow = f;
        activeFlowCount--;
    }

    private void allocateFlows(final int cap) {
        flowCap = cap;
        flowGen = flowGen == null ? new int[cap] : Arrays.copyOf(flowGen, cap);
        flowState = flowState == null ? new byte[cap] : Arrays.copyOf(flowState, cap);
        flowNextFree = flowNextFree == null ? new int[cap] : Arrays.copyOf(flowNextFree, cap);
        flowPath = flowPath == null ? new Path[cap] : Arrays.copyOf(flowPath, cap);
        flowBytes = grow(flowBytes, cap);
        flowRemW = grow(flowRemW, cap);
        flowRemF = grow(flowRemF, cap);
        flowRate = grow(flowRate, cap);
        flowNewRate = grow(flowNewRate, cap);
        flowLastUpdate = grow(flowLastUpdate, cap);
        flowRequest = grow(flowRequest, cap);
        flowStart = grow(flowStart, cap);
        flowTag = grow(flowTag, cap);
        flowLatency = grow(flowLatency, cap);
        flowEvent = grow(flowEvent, cap);
        flowCb = flowCb == null ? new EventHandler[cap] : Arrays.copyOf(flowCb, cap);
        flowArg0 = grow(flowArg0, cap);
        flowArg1 = grow(flowArg1, cap);
        flowBnHop = flowBnHop == null ? new int[cap] : Arrays.copyOf(flowBnHop, cap);
        flowNewBnHop = flowNewBnHop == null ? new int[cap] : Arrays.copyOf(flowNewBnHop, cap);
        flowLen = flowLen == null ? new int[cap] : Arrays.copyOf(flowLen, cap);
        flowMark = flowMark == null ? new int[cap] : Arrays.copyOf(flowMark, cap);
        flowFrozen = flowFrozen == null ? new int[cap] : Arrays.copyOf(flowFrozen, cap);
        compFlows = new int[cap];
        final int entries = cap << hopShift;
        entRes = entRes == null ? new int[entries] : Arrays.copyOf(entRes, entries);
        entNext = entNext == null ? new int[entries] : Arrays.copyOf(entNext, entries);
        entPrev = entPrev == null ? new int[entries] : Arrays.copyOf(entPrev, entries);
        entBnBytes = entBnBytes == null ? new double[entries] : Arrays.copyOf(entBnBytes, entries);
    }

    private static long[] grow(final long[] a, final int cap) {
        return a == null ? new long[cap] : Arrays.copyOf(a, cap);
    }

    private void growResources(final int cap) {
        resCap = Arrays.copyOf(resCap, cap);
        resShare = Arrays.copyOf(resShare, cap);
        resMsgRate = Arrays.copyOf(resMsgRate, cap);
        resMsgIntQ = Arrays.copyOf(resMsgIntQ, cap);
        resMsgIntR = Arrays.copyOf(resMsgIntR, cap);
        resNextIssue = Arrays.copyOf(resNextIssue, cap);
        resNextFrac = Arrays.copyOf(resNextFrac, cap);
        resHead = Arrays.copyOf(resHead, cap);
        resTail = Arrays.copyOf(resTail, cap);
        resFlows = Arrays.copyOf(resFlows, cap);
        resAllocated = Arrays.copyOf(resAllocated, cap);
        resDelivW = Arrays.copyOf(resDelivW, cap);
        resDelivF = Arrays.copyOf(resDelivF, cap);
        resBnW = Arrays.copyOf(resBnW, cap);
        resBnF = Arrays.copyOf(resBnF, cap);
        resBusy = Arrays.copyOf(resBusy, cap);
        resBusySince = Arrays.copyOf(resBusySince, cap);
        resRemCap = Arrays.copyOf(resRemCap, cap);
        resUnfrozen = Arrays.copyOf(resUnfrozen, cap);
        resMark = Arrays.copyOf(resMark, cap);
        resDirty = Arrays.copyOf(resDirty, cap);
        dirty = Arrays.copyOf(dirty, cap);
        compRes = Arrays.copyOf(compRes, cap);
    }
}
