package dev.ep4j.sim.pipeline;

import dev.ep4j.sim.event.EventClass;
import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.event.Simulator;
import java.util.Arrays;

/**
 * Persistent fluid streams over shared resources with max-min fair rates and per-stream caps, driven by a
 * {@link Simulator}; the bandwidth layer of the pipeline models.
 *
 * <p><b>Why not {@link dev.ep4j.sim.net.Network}.</b> The pipeline models keep one stream per (channel, peer) ring
 * alive for the whole kernel and move it chunk by chunk; a chunk boundary is a <i>milestone</i> of the stream (an
 * event when its position reaches a byte count), not the end of one flow and the start of another. Rates therefore
 * change only when a stream pauses (ring full, input not yet visible), resumes or ends, which is what makes an EP64
 * kernel affordable. Two further differences: every stream has its own rate cap (the warps that drive it), and a
 * resource whose streams' caps sum to at most its capacity ("slack") can never bind, so it is left out of the
 * max-min computation; starting or pausing a stream that crosses only slack resources costs O(path), not a
 * recomputation.
 *
 * <p><b>Rates.</b> When streams start, pause, end or change cap, the rates of the connected component of non-slack
 * resources they touch are recomputed by progressive filling with caps: repeatedly take the smaller of the lowest
 * fair share {@code remaining capacity / unfrozen streams} over the resources and the lowest cap of an unfrozen
 * stream, freeze the streams concerned at it, subtract. This is the max-min fair allocation with caps (exact in
 * {@code double}); rates on a resource never sum above its capacity (up to rounding of 1e-12 relative). The
 * recomputation runs once per picosecond ({@link EventClass#NET_SETTLE}) or, with a positive
 * {@link #setSettleQuantumPs settle quantum}, at most once per quantum: in between, a new stream on a non-slack
 * resource waits and freed bandwidth idles, so the quantum only ever delays (never speeds up) a kernel.
 *
 * <p><b>Positions.</b> A stream's position is in bytes ({@code double}); {@link #run} sets a target and the listener
 * is called when the position reaches it (class {@link EventClass#DEFAULT}), at
 * {@code ceil((target - position) * 1e12 / rate)} picoseconds. Positions snap to the target at the milestone, so the
 * bytes a stream moves are exactly the targets it was given.
 *
 * <p><b>Statistics.</b> Per resource: bytes moved, bytes moved while the resource was the stream's bottleneck,
 * time saturated (allocated rate within 1e-9 of capacity). Per stream: bytes by bottleneck (a resource, or the
 * stream's own cap, attributed to {@link #flowCapResource}).
 *
 * <p>Not thread-safe: one instance per simulated kernel, driven by one thread.
 */
final class FluidNet implements EventHandler {
    /** Listener of a stream's milestones. */
    interface Listener {
        /**
         * The stream reached the target given to {@link #run}; called at that picosecond. The listener either sets a
         * new target with {@link #run} or pauses the stream with {@link #pause}; otherwise it is paused for it.
         *
         * @param flow the stream.
         */
        void onMilestone(int flow);
    }

    static final boolean DEBUG = Boolean.getBoolean("ep4j.des.debug");
    static final java.util.Map<String, Long> DBG = new java.util.concurrent.ConcurrentSkipListMap<>();
    private static final double PS_PER_S = 1e12;
    private static final double SAT = 1 - 1e-9;
    private static final double SLACK = 1 + 1e-12;
    private static final long EV_MILESTONE = 0;
    private static final long EV_SETTLE = 1;

    private final Simulator sim;

    // ---- resources ----
    private int nRes;
    private double[] cap = new double[64];
    private String[] resName = new String[64];
    private String[] resCls = new String[64];
    private int[] resRank = new int[64];
    private double[] sumCap = new double[64];
    private int[] infCaps = new int[64];
    private double[] alloc = new double[64];
    private int[][] resFlows = new int[64][];
    private int[] resFlowN = new int[64];
    private double[] delivered = new double[64];
    private double[] bnBytes = new double[64];
    private long[] satPs = new long[64];
    private long[] satSince = new long[64];
    private boolean[] resDirty = new boolean[64];
    private int[] dirty = new int[64];
    private int nDirty;
    private int[] dirtyFlows = new int[64];
    private int nDirtyFlows;

    // ---- streams ----
    private int nFlow;
    private int[][] path = new int[64][];
    private int[][] slotOf = new int[64][];
    private double[] fcap = new double[64];
    private int[] capRes = new int[64];
    private boolean[] active = new boolean[64];
    private double[] rate = new double[64];
    private double[] pos = new double[64];
    private long[] tUpd = new long[64];
    private double[] target = new double[64];
    private long[] evt = new long[64];
    private int[] bn = new int[64];
    private Listener[] lis = new Listener[64];
    private boolean[] inMilestone = new boolean[64];
    private int[][] followers = new int[64][];
    private int[] followerN = new int[64];
    private int[][] leaders = new int[64][];
    private double[][] leadRatio = new double[64][];
    private boolean[] leadSum = new boolean[64];

    // ---- settle scratch ----
    private long settleEvent = Simulator.NO_EVENT;
    private long lastSettlePs = Long.MIN_VALUE / 4;
    private long quantumPs;
    private int epoch;
    private int[] resMark = new int[64];
    private int[] flowMark = new int[64];
    private double[] rem = new double[64];
    private int[] cnt = new int[64];
    private int[] stamp = new int[64];
    private int[] isFull = new int[64];
    private int[] fullRes = new int[64];
    private int nFull;
    private int[] bound = new int[64];
    private int nBound;
    private int nComp;
    private int[] cntIn = new int[64];
    private double[] oldIn = new double[64];
    private double[] newIn = new double[64];
    private int[] compFlow = new int[64];
    private double[] newRate = new double[64];
    private int[] newBn = new int[64];
    private boolean[] frozen = new boolean[64];
    private double[] heapKey = new double[64];
    private int[] heapRes = new int[64];
    private int[] heapStamp = new int[64];
    private int heapN;
    private long settles;
    private long settledFlows;

    /**
     * @param sim the simulator that drives the streams.
     */
    FluidNet(final Simulator sim) {
        this.sim = sim;
    }

    /**
     * Makes rate recomputations happen at most once per {@code ps} (0, the default: once per picosecond with
     * changes). A positive quantum trades exactness for speed on large kernels; it only ever delays streams.
     *
     * @param ps the quantum, picoseconds, &gt;= 0.
     */
    void setSettleQuantumPs(final long ps) {
        quantumPs = Math.max(0, ps);
    }

    // ------------------------------------------------------------------------------------------------ resources

    /**
     * @param name     for reports, e.g. {@code "gpu3 nvlink-tx"}.
     * @param cls      resource class ({@code "nvlink"}, {@code "rdma"}, {@code "pcie"}, {@code "sm"}).
     * @param rank     the rank (GPU) it belongs to.
     * @param capacity bytes per second, &gt; 0.
     * @return its id.
     */
    int addResource(final String name, final String cls, final int rank, final double capacity) {
        if (!(capacity > 0)) {
            throw new IllegalArgumentException("capacity of " + name + " must be > 0: " + capacity);
        }
        if (nRes == cap.length) {
            growRes();
        }
        final int r = nRes++;
        cap[r] = capacity;
        resName[r] = name;
        resCls[r] = cls;
        resRank[r] = rank;
        resFlows[r] = new int[4];
        satSince[r] = -1;
        return r;
    }

    int resourceCount() {
        return nRes;
    }

    String resourceName(final int r) {
        return resName[r];
    }

    String resourceClass(final int r) {
        return resCls[r];
    }

    int resourceRank(final int r) {
        return resRank[r];
    }

    double capacity(final int r) {
        return cap[r];
    }

    /** @return bytes moved through {@code r} so far (streams synced at their last change). */
    double delivered(final int r) {
        return delivered[r];
    }

    /** @return bytes moved through {@code r} while it bound the stream that moved them. */
    double bottleneckBytes(final int r) {
        return bnBytes[r];
    }

    /** @return picoseconds {@code r} was saturated, up to now. */
    long saturatedPs(final int r) {
        return satPs[r] + (satSince[r] >= 0 ? sim.nowPs() - satSince[r] : 0);
    }

    // ------------------------------------------------------------------------------------------------ streams

    /**
     * Creates a paused stream.
     *
     * @param resources   the resources it crosses (distinct).
     * @param capBps      its own rate cap, bytes per second ({@code +inf} for none).
     * @param capResource resource its cap-bound bytes are attributed to (its SM), or -1.
     * @param listener    told about milestones.
     * @return its id.
     */
    int addFlow(final int[] resources, final double capBps, final int capResource, final Listener listener) {
        if (nFlow == fcap.length) {
            growFlows();
        }
        final int f = nFlow++;
        path[f] = resources.clone();
        slotOf[f] = new int[resources.length];
        fcap[f] = capBps;
        capRes[f] = capResource;
        lis[f] = listener;
        evt[f] = Simulator.NO_EVENT;
        bn[f] = -1;
        return f;
    }

    int flowCount() {
        return nFlow;
    }

    int[] flowPath(final int f) {
        return path[f];
    }

    int flowCapResource(final int f) {
        return capRes[f];
    }

    boolean isActive(final int f) {
        return active[f];
    }

    double rate(final int f) {
        return rate[f];
    }

    /** @return the stream's position in bytes as of now. */
    double position(final int f) {
        if (active[f]) {
            sync(f);
        }
        return pos[f];
    }

    /**
     * Lets a stream move until its position reaches {@code targetBytes} (starting it if paused).
     *
     * @param f           the stream.
     * @param targetBytes absolute position, &gt; the current one.
     */
    void run(final int f, final double targetBytes) {
        if (active[f]) {
            sync(f);
            target[f] = targetBytes;
            schedule(f);
            return;
        }
        target[f] = targetBytes;
        activate(f);
    }

    /**
     * Stops a stream (it keeps its position).
     *
     * @param f the stream.
     */
    void pause(final int f) {
        if (!active[f]) {
            return;
        }
        sync(f);
        if (evt[f] != Simulator.NO_EVENT) {
            sim.cancel(evt[f]);
            evt[f] = Simulator.NO_EVENT;
        }
        final int[] p = path[f];
        final double c = fcap[f];
        boolean touched = false;
        for (int h = 0; h < p.length; h++) {
            final int r = p[h];
            // streams bound at a saturated resource may speed up once this one leaves it
            if (saturated(r) && !slack(r)) {
                markDirty(r);
                touched = true;
            }
            unlink(f, h);
            addCap(r, c, -1);
            setAlloc(r, alloc[r] - rate[f]);
        }
        rate[f] = 0;
        active[f] = false;
        if (touched) {
            requestSettle();
        }
        if (followerN[f] > 0) {
            updateFollowers(f);
        }
    }

    /**
     * Changes a stream's cap.
     *
     * @param f      the stream.
     * @param capBps the new cap, bytes per second.
     */
    void setCap(final int f, final double capBps) {
        if (!active[f]) {
            fcap[f] = capBps;
            return;
        }
        sync(f);
        boolean allSlack = true;
        for (final int r : path[f]) {
            addCap(r, fcap[f], -1);
            addCap(r, capBps, 1);
            allSlack &= slack(r);
        }
        fcap[f] = capBps;
        if (allSlack) {
            changeRate(f, capBps, -1);
        } else {
            markFlow(f);
            requestSettle();
        }
    }

    /**
     * Couples a stream's cap to the rates of other streams (a consumer that keeps pace with its producers): the cap
     * is {@code sum} (or {@code min}) over {@code leaderFlows} of {@code ratio * rate}, updated whenever a leader's
     * rate changes.
     *
     * @param g           the following stream.
     * @param leaderFlows the streams it follows.
     * @param ratios      bytes of {@code g} per byte of each leader.
     * @param sum         true to add the leaders' contributions, false to take the smallest.
     */
    void follow(final int g, final int[] leaderFlows, final double[] ratios, final boolean sum) {
        unfollow(g, false);
        leaders[g] = leaderFlows.clone();
        leadRatio[g] = ratios.clone();
        leadSum[g] = sum;
        for (final int f : leaderFlows) {
            if (followers[f] == null) {
                followers[f] = new int[4];
            } else if (followerN[f] == followers[f].length) {
                followers[f] = Arrays.copyOf(followers[f], followerN[f] * 2);
            }
            followers[f][followerN[f]++] = g;
        }
        setCap(g, coupledCap(g));
    }

    /**
     * Ends a coupling: the stream's cap becomes unlimited again.
     *
     * @param g the stream.
     */
    void unfollow(final int g) {
        unfollow(g, true);
    }

    private void unfollow(final int g, final boolean uncap) {
        final int[] ls = leaders[g];
        if (ls != null) {
            for (final int f : ls) {
                final int[] fl = followers[f];
                for (int i = 0; i < followerN[f]; i++) {
                    if (fl[i] == g) {
                        fl[i] = fl[--followerN[f]];
                        break;
                    }
                }
            }
            leaders[g] = null;
            leadRatio[g] = null;
        }
        if (uncap && fcap[g] != Double.POSITIVE_INFINITY) {
            setCap(g, Double.POSITIVE_INFINITY);
        }
    }

    private double coupledCap(final int g) {
        final int[] ls = leaders[g];
        double c = leadSum[g] ? 0 : Double.POSITIVE_INFINITY;
        for (int i = 0; i < ls.length; i++) {
            final double v = leadRatio[g][i] * rate[ls[i]];
            c = leadSum[g] ? c + v : Math.min(c, v);
        }
        return c;
    }

    private void updateFollowers(final int f) {
        for (int i = 0; i < followerN[f]; i++) {
            final int g = followers[f][i];
            final double c = coupledCap(g);
            if (Math.abs(c - fcap[g]) > 1e-12 * Math.max(c, fcap[g])) {
                setCap(g, c);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ events

    @Override
    public void onEvent(final long arg0, final long kind) {
        if (kind == EV_SETTLE) {
            settleEvent = Simulator.NO_EVENT;
            settle();
            return;
        }
        final int f = (int) arg0;
        evt[f] = Simulator.NO_EVENT;
        sync(f);
        account(f, target[f] - pos[f]);
        pos[f] = target[f];
        inMilestone[f] = true;
        lis[f].onMilestone(f);
        inMilestone[f] = false;
        if (active[f] && evt[f] == Simulator.NO_EVENT && rate[f] > 0 && !(target[f] > pos[f])) {
            pause(f);
        }
    }

    /**
     * @return rate recomputations so far.
     */
    long settles() {
        return settles;
    }

    /**
     * @return streams whose rates were recomputed, summed over recomputations.
     */
    long settledFlows() {
        return settledFlows;
    }

    /** Brings every active stream and the saturation clocks up to now (for final statistics). */
    void syncAll() {
        for (int f = 0; f < nFlow; f++) {
            if (active[f]) {
                sync(f);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ internals

    private boolean slack(final int r) {
        return infCaps[r] == 0 && sumCap[r] <= cap[r] * SLACK;
    }

    /** Adds (sign +1) or removes (-1) a stream's cap from a resource's sum of caps. */
    private void addCap(final int r, final double c, final int sign) {
        if (c == Double.POSITIVE_INFINITY) {
            infCaps[r] += sign;
        } else {
            sumCap[r] += sign * c;
        }
        if (resFlowN[r] == 0 || (sign < 0 && sumCap[r] < 0)) {
            sumCap[r] = Math.max(0, resFlowN[r] == 0 ? 0 : sumCap[r]);
        }
    }

    private void activate(final int f) {
        active[f] = true;
        tUpd[f] = sim.nowPs();
        rate[f] = 0;
        bn[f] = -1;
        final int[] p = path[f];
        final double c = fcap[f];
        boolean allSlack = true;
        for (int h = 0; h < p.length; h++) {
            final int r = p[h];
            link(f, h);
            addCap(r, c, 1);
            allSlack &= slack(r);
        }
        if (allSlack) {
            changeRate(f, c, -1);
        } else {
            markFlow(f);
            requestSettle();
        }
    }

    private void link(final int f, final int h) {
        final int r = path[f][h];
        if (resFlowN[r] == resFlows[r].length) {
            resFlows[r] = Arrays.copyOf(resFlows[r], resFlows[r].length * 2);
        }
        slotOf[f][h] = resFlowN[r];
        resFlows[r][resFlowN[r]++] = f;
    }

    private void unlink(final int f, final int h) {
        final int r = path[f][h];
        final int s = slotOf[f][h];
        final int last = resFlows[r][--resFlowN[r]];
        resFlows[r][s] = last;
        if (last != f) {
            final int[] lp = path[last];
            for (int k = 0; k < lp.length; k++) {
                if (lp[k] == r) {
                    slotOf[last][k] = s;
                    break;
                }
            }
        }
    }

    private void sync(final int f) {
        final long now = sim.nowPs();
        final long dt = now - tUpd[f];
        if (dt > 0 && rate[f] > 0) {
            double d = rate[f] * dt / PS_PER_S;
            if (pos[f] + d > target[f]) {
                d = Math.max(0, target[f] - pos[f]);
            }
            pos[f] += d;
            account(f, d);
        }
        tUpd[f] = now;
    }

    private void account(final int f, final double d) {
        if (d <= 0) {
            return;
        }
        for (final int r : path[f]) {
            delivered[r] += d;
        }
        final int b = bn[f] >= 0 ? bn[f] : capRes[f];
        if (b >= 0) {
            bnBytes[b] += d;
        }
    }

    private void changeRate(final int f, final double r, final int bottleneck) {
        final double old = rate[f];
        bn[f] = bottleneck;
        if (Math.abs(old - r) <= old * 1e-12 && (evt[f] != Simulator.NO_EVENT || inMilestone[f])) {
            return;
        }
        sync(f);
        rate[f] = r;
        for (final int x : path[f]) {
            setAlloc(x, alloc[x] + r - old);
        }
        schedule(f);
        if (followerN[f] > 0) {
            updateFollowers(f);
        }
    }

    private void setAlloc(final int r, final double a) {
        final boolean was = satSince[r] >= 0;
        final double v = a < 0 && a > -1e-3 * cap[r] ? 0 : a;
        alloc[r] = v;
        final boolean now = v >= cap[r] * SAT;
        if (now != was) {
            if (now) {
                satSince[r] = sim.nowPs();
            } else {
                satPs[r] += sim.nowPs() - satSince[r];
                satSince[r] = -1;
            }
        }
    }

    private void schedule(final int f) {
        if (!(rate[f] > 0) || !(target[f] > pos[f])) {
            if (evt[f] != Simulator.NO_EVENT) {
                sim.cancel(evt[f]);
                evt[f] = Simulator.NO_EVENT;
            }
            if (rate[f] > 0 && !(target[f] > pos[f]) && !inMilestone[f]) {
                // already there: fire at once so the listener decides
                evt[f] = sim.schedule(sim.nowPs(), EventClass.DEFAULT, this, f, EV_MILESTONE);
            }
            return;
        }
        final double ps = Math.ceil((target[f] - pos[f]) * PS_PER_S / rate[f]);
        final long t = sim.nowPs() + (ps >= 1 ? (long) ps : 1L);
        if (evt[f] != Simulator.NO_EVENT && sim.reschedule(evt[f], t)) {
            return;
        }
        evt[f] = sim.schedule(t, EventClass.DEFAULT, this, f, EV_MILESTONE);
    }

    private void markDirty(final int r) {
        if (!resDirty[r]) {
            resDirty[r] = true;
            if (nDirty == dirty.length) {
                dirty = Arrays.copyOf(dirty, dirty.length * 2);
            }
            dirty[nDirty++] = r;
        }
    }

    private void markFlow(final int f) {
        if (nDirtyFlows == dirtyFlows.length) {
            dirtyFlows = Arrays.copyOf(dirtyFlows, dirtyFlows.length * 2);
        }
        dirtyFlows[nDirtyFlows++] = f;
    }

    private boolean saturated(final int r) {
        return alloc[r] >= cap[r] * SAT;
    }

    private void requestSettle() {
        if (settleEvent != Simulator.NO_EVENT) {
            return;
        }
        final long at = Math.max(sim.nowPs(), lastSettlePs + quantumPs);
        settleEvent = sim.schedule(at, EventClass.NET_SETTLE, this, 0L, EV_SETTLE);
    }

    /**
     * Recomputes the rates the last changes affect, exactly as a global max-min recomputation would, but only for
     * the streams that can feel them: a change propagates from stream to stream through <i>saturated</i> resources
     * only (an unsaturated resource binds nobody). The seeds are the changed streams and the saturated resources
     * streams left; the set grows through every saturated resource its streams cross; the unsaturated resources they
     * cross are kept as constraints with the capacity the other streams leave them. When the new rates saturate such a
     * boundary resource, it joins the set and the computation is repeated.
     */
    private void settle() {
        if (nDirty == 0 && nDirtyFlows == 0) {
            return;
        }
        lastSettlePs = sim.nowPs();
        settles++;
        nextEpoch();
        ensureScratch();
        nFull = 0;
        nBound = 0;
        nComp = 0;
        for (int i = 0; i < nDirtyFlows; i++) {
            final int f = dirtyFlows[i];
            if (active[f]) {
                include(f);
            }
        }
        nDirtyFlows = 0;
        for (int i = 0; i < nDirty; i++) {
            final int r = dirty[i];
            resDirty[r] = false;
            full(r);
        }
        nDirty = 0;
        expand();
        while (true) {
            fill();
            // boundary resources the new rates saturate join the set
            for (int i = 0; i < nComp; i++) {
                final int f = compFlow[i];
                for (final int r : path[f]) {
                    newIn[r] = 0;
                }
            }
            for (int i = 0; i < nComp; i++) {
                final int f = compFlow[i];
                for (final int r : path[f]) {
                    newIn[r] += newRate[f];
                }
            }
            boolean grew = false;
            for (int i = 0; i < nBound; i++) {
                final int r = bound[i];
                if (isFull[r] == epoch) {
                    continue;
                }
                final double a = alloc[r] - oldIn[r] + newIn[r];
                if (a >= cap[r] * SAT && cntIn[r] < resFlowN[r]) {
                    full(r);
                    grew = true;
                }
            }
            if (!grew) {
                break;
            }
            expand();
        }
        settledFlows += nComp;
        if (DEBUG) {
            for (int i = 0; i < nFull; i++) {
                final String key = resName[fullRes[i]].replaceAll("gpu\\d+ |nic\\d+ |ch\\d+ ", "");
                DBG.merge(key, 1L, Long::sum);
            }
            DBG.merge("size>" + (nComp > 1000 ? 1000 : nComp > 100 ? 100 : nComp > 10 ? 10 : 0), 1L, Long::sum);
        }
        for (int i = 0; i < nComp; i++) {
            final int f = compFlow[i];
            changeRate(f, newRate[f], newBn[f]);
        }
    }

    private void nextEpoch() {
        epoch++;
        if (epoch == Integer.MAX_VALUE) {
            Arrays.fill(resMark, 0);
            Arrays.fill(isFull, 0);
            Arrays.fill(flowMark, 0);
            epoch = 1;
        }
    }

    /** Adds a stream to the set; its resources are examined by {@link #expand}. */
    private void include(final int f) {
        if (flowMark[f] == epoch) {
            return;
        }
        flowMark[f] = epoch;
        if (nComp == compFlow.length) {
            compFlow = Arrays.copyOf(compFlow, compFlow.length * 2);
        }
        compFlow[nComp++] = f;
    }

    /** Makes a resource a full member: all its streams are in the set. */
    private void full(final int r) {
        if (isFull[r] == epoch) {
            return;
        }
        isFull[r] = epoch;
        if (nFull == fullRes.length) {
            fullRes = Arrays.copyOf(fullRes, fullRes.length * 2);
        }
        fullRes[nFull++] = r;
        for (int i = 0; i < resFlowN[r]; i++) {
            include(resFlows[r][i]);
        }
    }

    /** Closes the set: every saturated resource of a member stream becomes full, the others boundary. */
    private void expand() {
        int i = 0;
        while (i < nComp) {
            final int f = compFlow[i++];
            for (final int r : path[f]) {
                if (isFull[r] == epoch) {
                    continue;
                }
                if (saturated(r) && !slack(r)) {
                    full(r);
                } else if (resMark[r] != epoch) {
                    resMark[r] = epoch;
                    if (nBound == bound.length) {
                        bound = Arrays.copyOf(bound, bound.length * 2);
                    }
                    bound[nBound++] = r;
                }
            }
        }
    }

    /** Progressive filling with caps over the set's streams and constraints. */
    private void fill() {
        // constraint capacities: full resources whole; boundary ones what the streams outside the set leave
        for (int i = 0; i < nBound; i++) {
            final int r = bound[i];
            cntIn[r] = 0;
            oldIn[r] = 0;
        }
        for (int i = 0; i < nFull; i++) {
            final int r = fullRes[i];
            cntIn[r] = 0;
            oldIn[r] = 0;
        }
        for (int i = 0; i < nComp; i++) {
            final int f = compFlow[i];
            for (final int r : path[f]) {
                cntIn[r]++;
                oldIn[r] += rate[f];
            }
        }
        heapN = 0;
        for (int i = 0; i < nFull; i++) {
            final int r = fullRes[i];
            rem[r] = cap[r];
            cnt[r] = cntIn[r];
            stamp[r]++;
            if (cnt[r] > 0) {
                heapPush(rem[r] / cnt[r], r);
            }
        }
        for (int i = 0; i < nBound; i++) {
            final int r = bound[i];
            if (isFull[r] == epoch) {
                continue;
            }
            if (slack(r)) {
                cnt[r] = 0;
                continue;
            }
            rem[r] = Math.max(0, cap[r] - (alloc[r] - oldIn[r]));
            cnt[r] = cntIn[r];
            stamp[r]++;
            if (cnt[r] > 0) {
                heapPush(rem[r] / cnt[r], r);
            }
        }
        sortByCap(compFlow, nComp);
        for (int i = 0; i < nComp; i++) {
            frozen[compFlow[i]] = false;
        }
        int k = 0;
        int left = nComp;
        while (left > 0) {
            while (heapN > 0 && (heapStamp[0] != stamp[heapRes[0]] || cnt[heapRes[0]] <= 0)) {
                heapPop();
            }
            while (k < nComp && frozen[compFlow[k]]) {
                k++;
            }
            final double rs = heapN > 0 ? heapKey[0] : Double.POSITIVE_INFINITY;
            final double fc = k < nComp ? fcap[compFlow[k]] : Double.POSITIVE_INFINITY;
            if (fc <= rs) {
                if (k >= nComp) {
                    break;
                }
                freeze(compFlow[k], fc, -1);
                left--;
            } else {
                final int r = heapRes[0];
                heapPop();
                final double x = Math.max(0, rs);
                final int[] fl = resFlows[r];
                for (int i = 0; i < resFlowN[r]; i++) {
                    final int f = fl[i];
                    if (flowMark[f] == epoch && !frozen[f]) {
                        freeze(f, x, r);
                        left--;
                    }
                }
                cnt[r] = 0;
            }
        }
    }

    private void freeze(final int f, final double x, final int b) {
        frozen[f] = true;
        newRate[f] = x;
        newBn[f] = b;
        for (final int r : path[f]) {
            if (cnt[r] > 0 && (isFull[r] == epoch || resMark[r] == epoch)) {
                rem[r] -= x;
                cnt[r]--;
                stamp[r]++;
                if (cnt[r] > 0) {
                    heapPush(Math.max(0, rem[r]) / cnt[r], r);
                }
            }
        }
    }

    private void heapPush(final double key, final int r) {
        if (heapN == heapKey.length) {
            heapKey = Arrays.copyOf(heapKey, heapN * 2);
            heapRes = Arrays.copyOf(heapRes, heapN * 2);
            heapStamp = Arrays.copyOf(heapStamp, heapN * 2);
        }
        int i = heapN++;
        while (i > 0) {
            final int p = (i - 1) >>> 1;
            if (less(key, r, heapKey[p], heapRes[p])) {
                heapKey[i] = heapKey[p];
                heapRes[i] = heapRes[p];
                heapStamp[i] = heapStamp[p];
                i = p;
            } else {
                break;
            }
        }
        heapKey[i] = key;
        heapRes[i] = r;
        heapStamp[i] = stamp[r];
    }

    private void heapPop() {
        final int n = --heapN;
        if (n == 0) {
            return;
        }
        final double key = heapKey[n];
        final int r = heapRes[n];
        final int s = heapStamp[n];
        int i = 0;
        while (true) {
            final int l = 2 * i + 1;
            if (l >= n) {
                break;
            }
            int c = l;
            if (l + 1 < n && less(heapKey[l + 1], heapRes[l + 1], heapKey[l], heapRes[l])) {
                c = l + 1;
            }
            if (less(heapKey[c], heapRes[c], key, r)) {
                heapKey[i] = heapKey[c];
                heapRes[i] = heapRes[c];
                heapStamp[i] = heapStamp[c];
                i = c;
            } else {
                break;
            }
        }
        heapKey[i] = key;
        heapRes[i] = r;
        heapStamp[i] = s;
    }

    private static boolean less(final double k1, final int r1, final double k2, final int r2) {
        return k1 < k2 || (k1 == k2 && r1 < r2);
    }

    /** Sorts ids by (cap, id) ascending: insertion sort for short runs, else a heap sort (no boxing). */
    private void sortByCap(final int[] a, final int n) {
        if (n < 24) {
            for (int i = 1; i < n; i++) {
                final int x = a[i];
                int j = i - 1;
                while (j >= 0 && capLess(x, a[j])) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = x;
            }
            return;
        }
        for (int i = n / 2 - 1; i >= 0; i--) {
            sift(a, i, n);
        }
        for (int end = n - 1; end > 0; end--) {
            final int t = a[0];
            a[0] = a[end];
            a[end] = t;
            sift(a, 0, end);
        }
    }

    private void sift(final int[] a, final int start, final int n) {
        int i = start;
        final int x = a[i];
        while (true) {
            final int l = 2 * i + 1;
            if (l >= n) {
                break;
            }
            int c = l;
            if (l + 1 < n && capLess(a[l], a[l + 1])) {
                c = l + 1;
            }
            if (capLess(x, a[c])) {
                a[i] = a[c];
                i = c;
            } else {
                break;
            }
        }
        a[i] = x;
    }

    private boolean capLess(final int f, final int g) {
        return fcap[f] < fcap[g] || (fcap[f] == fcap[g] && f < g);
    }

    private void ensureScratch() {
        if (resMark.length < nRes) {
            final int n = Math.max(nRes, resMark.length * 2);
            resMark = Arrays.copyOf(resMark, n);
            rem = Arrays.copyOf(rem, n);
            cnt = Arrays.copyOf(cnt, n);
            stamp = Arrays.copyOf(stamp, n);
            isFull = Arrays.copyOf(isFull, n);
            cntIn = Arrays.copyOf(cntIn, n);
            oldIn = Arrays.copyOf(oldIn, n);
            newIn = Arrays.copyOf(newIn, n);
        }
        if (flowMark.length < nFlow) {
            final int n = Math.max(nFlow, flowMark.length * 2);
            flowMark = Arrays.copyOf(flowMark, n);
            compFlow = Arrays.copyOf(compFlow, Math.max(n, compFlow.length));
            newRate = Arrays.copyOf(newRate, n);
            newBn = Arrays.copyOf(newBn, n);
            frozen = Arrays.copyOf(frozen, n);
        }
    }

    private void growRes() {
        final int n = cap.length * 2;
        cap = Arrays.copyOf(cap, n);
        resName = Arrays.copyOf(resName, n);
        resCls = Arrays.copyOf(resCls, n);
        resRank = Arrays.copyOf(resRank, n);
        sumCap = Arrays.copyOf(sumCap, n);
        infCaps = Arrays.copyOf(infCaps, n);
        alloc = Arrays.copyOf(alloc, n);
        resFlows = Arrays.copyOf(resFlows, n);
        resFlowN = Arrays.copyOf(resFlowN, n);
        delivered = Arrays.copyOf(delivered, n);
        bnBytes = Arrays.copyOf(bnBytes, n);
        satPs = Arrays.copyOf(satPs, n);
        satSince = Arrays.copyOf(satSince, n);
        resDirty = Arrays.copyOf(resDirty, n);
    }

    private void growFlows() {
        final int n = fcap.length * 2;
        path = Arrays.copyOf(path, n);
        slotOf = Arrays.copyOf(slotOf, n);
        fcap = Arrays.copyOf(fcap, n);
        capRes = Arrays.copyOf(capRes, n);
        active = Arrays.copyOf(active, n);
        rate = Arrays.copyOf(rate, n);
        pos = Arrays.copyOf(pos, n);
        tUpd = Arrays.copyOf(tUpd, n);
        target = Arrays.copyOf(target, n);
        evt = Arrays.copyOf(evt, n);
        bn = Arrays.copyOf(bn, n);
        lis = Arrays.copyOf(lis, n);
        inMilestone = Arrays.copyOf(inMilestone, n);
        followers = Arrays.copyOf(followers, n);
        followerN = Arrays.copyOf(followerN, n);
        leaders = Arrays.copyOf(leaders, n);
        leadRatio = Arrays.copyOf(leadRatio, n);
        leadSum = Arrays.copyOf(leadSum, n);
    }
}
