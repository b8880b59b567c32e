package dev.ep4j.sim.pipeline;

/**
 * One stage of a kernel's pipeline, driven by one group of warps: it moves {@code total} tokens of
 * {@code bytesPerToken} bytes as one fluid stream ({@link FluidNet}), limited by what its input lets it consume
 * ({@link In}: visible tails of the rings it reads) and by what its output lets it produce ({@link Out}: free slots
 * of the ring it writes, reserved a chunk at a time). It stops at every event that matters to another stage (a
 * chunk to publish, a FIFO segment to retire, the end of a reservation), publishes, and either goes on or waits to be
 * woken by a counter.
 *
 * <p>Positions are in tokens ({@code double}); bytes are {@code tokens * bytesPerToken}.
 *
 * <p>Not thread-safe: one instance per simulated kernel.
 */
final class Pipe implements FluidNet.Listener, Wakeable {
    /** What a stage consumes. */
    interface In {
        /** @return tokens of the stage's own output its visible input allows in total (absolute). */
        double limit();

        /**
         * @param p the stage's position.
         * @return the next position after {@code p} at which the input wants to hear about progress.
         */
        double nextEvent(double p);

        /**
         * The stage has produced up to {@code p}: release the input it no longer needs (publish heads).
         *
         * @param p the stage's position.
         */
        void consumedTo(double p);

        /** @return the stages whose progress makes this input visible (follow mode), empty when none. */
        default Pipe[] leaders() {
            return new Pipe[0];
        }

        /** @return tokens of the consuming stage per token of each leader. */
        default double[] leaderRatios() {
            return new double[0];
        }

        /** @return true when the leaders' contributions add up, false when the slowest binds. */
        default boolean sumLeaders() {
            return false;
        }

        /** @return tokens after which a following stage publishes its consumption (returns credits). */
        default double headPeriod() {
            return Double.POSITIVE_INFINITY;
        }
    }

    /** Where a stage writes. */
    interface Out {
        /**
         * @param p the stage's position.
         * @return how far the stage may write now (absolute, &gt;= p); may reserve ring space.
         */
        double limit(double p);

        /**
         * @param p the stage's position.
         * @return the next position after {@code p} at which the output publishes.
         */
        double nextEvent(double p);

        /**
         * The stage reached {@code p}: publish what is due.
         *
         * @param p the stage's position.
         */
        void producedTo(double p);

        /**
         * The stage stopped at {@code p} for want of input or space.
         *
         * @param p the stage's position.
         */
        void stalled(double p);
    }

    /** Nothing to wait for. */
    static final In NO_INPUT = new In() {
        @Override
        public double limit() {
            return Double.POSITIVE_INFINITY;
        }

        @Override
        public double nextEvent(final double p) {
            return Double.POSITIVE_INFINITY;
        }

        @Override
        public void consumedTo(final double p) {
        }
    };

    /** Writes to its final place (no ring). */
    static final Out NO_OUTPUT = new Out() {
        @Override
        public double limit(final double p) {
            return Double.POSITIVE_INFINITY;
        }

        @Override
        public double nextEvent(final double p) {
            return Double.POSITIVE_INFINITY;
        }

        @Override
        public void producedTo(final double p) {
        }

        @Override
        public void stalled(final double p) {
        }
    };

    private static final double EPS = Ring.EPS;

    final Kernel k;
    final String name;
    final int rank;
    final int flow;
    final double total;
    final double bytesPerToken;
    private In in = NO_INPUT;
    private Out out = NO_OUTPUT;
    private Runnable onDone;
    private String track;
    private double p;
    private double stop;
    private boolean started;
    private boolean running;
    private boolean finished;
    private long runSincePs = -1;
    private double runFrom;
    private long endPs = -1;
    private long busyPs;
    private boolean following;
    private Pipe[] leaders;
    private Pipe[] followersOf = new Pipe[0];
    private int followerCount;

    /**
     * @param k             the kernel.
     * @param name          what it is, e.g. {@code "ch3 sender -> gpu5"}.
     * @param rank          the rank whose kernel runs it.
     * @param total         tokens to move.
     * @param bytesPerToken bytes per token on its resources, &gt; 0.
     * @param path          resources it crosses.
     * @param capResource   resource its cap-bound bytes are attributed to, or -1.
     */
    Pipe(final Kernel k, final String name, final int rank, final double total, final double bytesPerToken,
        final int[] path, final int capResource) {
        this.k = k;
        this.name = name;
        this.rank = rank;
        this.total = total;
        this.bytesPerToken = bytesPerToken;
        this.flow = k.net.addFlow(path, Double.POSITIVE_INFINITY, capResource, this);
        k.pipes.add(this);
    }

    Pipe input(final In i) {
        in = i;
        return this;
    }

    Pipe output(final Out o) {
        out = o;
        return this;
    }

    Pipe onDone(final Runnable r) {
        onDone = r;
        return this;
    }

    double position() {
        return p;
    }

    boolean finished() {
        return finished;
    }

    boolean started() {
        return started;
    }

    long endPs() {
        return endPs;
    }

    long busyPs() {
        return busyPs;
    }

    /** @return bytes this stage moves in the kernel, {@code total * bytesPerToken}. */
    double bytes() {
        return total * bytesPerToken;
    }

    /** Starts the stage now. */
    void start() {
        if (started) {
            return;
        }
        started = true;
        advance();
    }

    @Override
    public void wake() {
        if (started && !finished && !running) {
            advance();
        }
    }

    @Override
    public void onMilestone(final int f) {
        p = stop;
        advance();
    }

    private void advance() {
        in.consumedTo(p);
        out.producedTo(p);
        if (p >= total - EPS) {
            finish();
            return;
        }
        final double inLim = in.limit();
        final double outLim = out.limit(p);
        final double event = Math.min(in.nextEvent(p), out.nextEvent(p));
        double next = Math.min(Math.min(total, outLim), event);
        if (!following) {
            final double bounded = Math.min(next, inLim);
            if (bounded > p + EPS || inLim > p + EPS || !(outLim > p + EPS) || !startFollowing()) {
                next = bounded;
            }
        }
        if (following) {
            next = Math.min(next, p + in.headPeriod());
        }
        if (total - next < EPS) {
            next = total;
        }
        if (next > p + EPS) {
            if (!running) {
                running = true;
                runSincePs = k.sim.nowPs();
                runFrom = p;
            }
            stop = next;
            k.net.run(flow, stop * bytesPerToken);
        } else {
            if (following) {
                stopFollowing();
            }
            stopRunning();
            out.stalled(p);
        }
    }

    /**
     * Follow mode: a stage that has consumed all its visible input while its producers are still moving keeps
     * moving at their pace (its cap coupled to their rates) instead of stopping chunk by chunk; it returns to the
     * chunk-by-chunk logic when its producers stop.
     *
     * @return true when it now follows.
     */
    private boolean startFollowing() {
        if (!k.followMode) {
            return false;
        }
        final Pipe[] ls = in.leaders();
        boolean anyRunning = false;
        for (final Pipe l : ls) {
            anyRunning |= l.running;
        }
        if (!anyRunning) {
            return false;
        }
        final double[] r = in.leaderRatios();
        final int[] flows = new int[ls.length];
        final double[] bytes = new double[ls.length];
        for (int i = 0; i < ls.length; i++) {
            flows[i] = ls[i].flow;
            bytes[i] = r[i] * bytesPerToken / ls[i].bytesPerToken;
            ls[i].addFollower(this);
        }
        leaders = ls;
        following = true;
        k.net.follow(flow, flows, bytes, in.sumLeaders());
        return true;
    }

    private void stopFollowing() {
        following = false;
        for (final Pipe l : leaders) {
            l.removeFollower(this);
        }
        leaders = null;
        k.net.unfollow(flow);
    }

    private void addFollower(final Pipe f) {
        if (followerCount == followersOf.length) {
            followersOf = java.util.Arrays.copyOf(followersOf, Math.max(4, followerCount * 2));
        }
        followersOf[followerCount++] = f;
    }

    private void removeFollower(final Pipe f) {
        for (int i = 0; i < followerCount; i++) {
            if (followersOf[i] == f) {
                followersOf[i] = followersOf[--followerCount];
                followersOf[followerCount] = null;
                return;
            }
        }
    }

    /** A leader stopped: when none of them moves any more, leave follow mode and re-check the input. */
    private void leaderStopped() {
        if (!following) {
            return;
        }
        for (final Pipe l : leaders) {
            if (l.running) {
                return;
            }
        }
        final double at = Math.min(total, k.net.position(flow) / bytesPerToken);
        stopFollowing();
        if (running) {
            running = false;
            k.net.pause(flow);
            final long now = k.sim.nowPs();
            busyPs += now - runSincePs;
            k.span(this, runSincePs, now, runFrom, at);
        }
        p = Math.max(p, at);
        advance();
    }

    private void stopRunning() {
        if (running) {
            running = false;
            k.net.pause(flow);
            final long now = k.sim.nowPs();
            busyPs += now - runSincePs;
            k.span(this, runSincePs, now, runFrom, p);
            if (followerCount > 0) {
                for (final Pipe f : followersOf.clone()) {
                    if (f != null) {
                        f.leaderStopped();
                    }
                }
            }
        }
    }

    private void finish() {
        p = total;
        if (following) {
            stopFollowing();
        }
        stopRunning();
        finished = true;
        in.consumedTo(total);
        out.producedTo(total);
        endPs = k.sim.nowPs();
        k.pipeDone(this);
        if (onDone != null) {
            onDone.run();
        }
    }

    String track() {
        if (track == null) {
            track = "rank " + rank + " " + name;
        }
        return track;
    }

    @Override
    public String toString() {
        return "rank " + rank + " " + name + " (" + p + "/" + total + " tokens" + (finished ? ", done" : running
            ? ", running" : started ? ", waiting" : ", not started") + ")";
    }
}
