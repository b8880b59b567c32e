package dev.ep4j.sim.pipeline;

/**
 * The inputs and outputs the kernels' stages are built from (see {@link Pipe}). All counts are tokens; a stage's
 * own tokens and a ring's tokens are related by the fractions given here (DeepEP's per-channel token streams are
 * known per (source, destination, channel) only, so tokens of one destination are taken as spread evenly over the
 * channel's token range).
 *
 * <p>Not thread-safe: used on the simulator's thread only.
 */
final class Ports {
    private static final double EPS = Ring.EPS;
    private static final double INF = Double.POSITIVE_INFINITY;
    private static final Pipe[] NO_LEADERS = new Pipe[0];

    private Ports() {
    }

    /** A counter fed locally by one stage to another (no latency), e.g. records copied and ready to put. */
    static final class Feed {
        private double value;
        private Wakeable consumer;
        private Pipe producer;
        private double ratio = 1;

        /**
         * @param p the stage that feeds it.
         * @param r fed tokens per token of that stage.
         */
        void producer(final Pipe p, final double r) {
            producer = p;
            ratio = r;
        }

        void consumer(final Wakeable w) {
            consumer = w;
        }

        double value() {
            return value;
        }

        void set(final double v) {
            if (v > value) {
                value = v;
                if (consumer != null) {
                    consumer.wake();
                }
            }
        }
    }

    /** Input from a {@link Feed}: everything fed so far may be consumed. */
    static final class FeedIn implements Pipe.In {
        private final Feed feed;

        FeedIn(final Feed feed) {
            this.feed = feed;
        }

        @Override
        public double limit() {
            return feed.value();
        }

        @Override
        public double nextEvent(final double p) {
            return INF;
        }

        @Override
        public void consumedTo(final double p) {
        }

        @Override
        public Pipe[] leaders() {
            return feed.producer == null ? NO_LEADERS : new Pipe[] {feed.producer};
        }

        @Override
        public double[] leaderRatios() {
            return new double[] {feed.ratio};
        }
    }

    /**
     * Input from one ring, token for token: the stage may consume what is visible; it returns slots by publishing its
     * position as the head, rounded down to {@code quantum} tokens (DeepEP's lazy RDMA credits; 0 = exact) except at
     * the end.
     */
    static final class RingIn implements Pipe.In {
        private final Ring ring;
        private final double quantum;

        RingIn(final Ring ring, final double quantum) {
            this.ring = ring;
            this.quantum = quantum;
        }

        @Override
        public double limit() {
            return ring.tailVisible() >= ring.total() - EPS ? ring.total() : ring.tailVisible();
        }

        @Override
        public double nextEvent(final double p) {
            return INF;
        }

        @Override
        public void consumedTo(final double p) {
            ring.publishHead(quantize(p, ring.total(), quantum));
        }

        @Override
        public Pipe[] leaders() {
            return ring.tailProducer() == null ? NO_LEADERS : new Pipe[] {ring.tailProducer()};
        }

        @Override
        public double[] leaderRatios() {
            return new double[] {ring.tailRatio()};
        }

        @Override
        public double headPeriod() {
            return Math.max(1, ring.capacity() / 4);
        }
    }

    /**
     * Input from several rings consumed in proportion (a reduction over contributions): ring {@code i} carries
     * {@code n[i]} of the stage's {@code total} tokens, spread evenly, so the stage at position {@code p} has needed
     * {@code p * n[i] / total} tokens of it.
     */
    static final class PropIn implements Pipe.In {
        private final Ring[] rings;
        private final double[] n;
        private final double total;
        private final double quantum;

        PropIn(final Ring[] rings, final double[] n, final double total, final double quantum) {
            this.rings = rings;
            this.n = n;
            this.total = total;
            this.quantum = quantum;
        }

        @Override
        public double limit() {
            double m = INF;
            for (int i = 0; i < rings.length; i++) {
                if (n[i] > 0 && rings[i].tailVisible() < n[i] - EPS) {
                    m = Math.min(m, rings[i].tailVisible() * total / n[i]);
                }
            }
            return m;
        }

        @Override
        public double nextEvent(final double p) {
            return INF;
        }

        @Override
        public void consumedTo(final double p) {
            for (int i = 0; i < rings.length; i++) {
                if (n[i] > 0) {
                    final double c = p >= total - EPS ? n[i] : p * n[i] / total;
                    rings[i].publishHead(quantize(c, n[i], quantum));
                }
            }
        }

        @Override
        public Pipe[] leaders() {
            int k = 0;
            for (int i = 0; i < rings.length; i++) {
                if (n[i] > 0 && rings[i].tailProducer() != null) {
                    k++;
                }
            }
            final Pipe[] out = new Pipe[k];
            k = 0;
            for (int i = 0; i < rings.length; i++) {
                if (n[i] > 0 && rings[i].tailProducer() != null) {
                    out[k++] = rings[i].tailProducer();
                }
            }
            return out;
        }

        @Override
        public double[] leaderRatios() {
            int k = 0;
            for (int i = 0; i < rings.length; i++) {
                if (n[i] > 0 && rings[i].tailProducer() != null) {
                    k++;
                }
            }
            final double[] out = new double[k];
            k = 0;
            for (int i = 0; i < rings.length; i++) {
                if (n[i] > 0 && rings[i].tailProducer() != null) {
                    out[k++] = rings[i].tailRatio() * total / n[i];
                }
            }
            return out;
        }

        @Override
        public double headPeriod() {
            double m = Double.POSITIVE_INFINITY;
            for (int i = 0; i < rings.length; i++) {
                if (n[i] > 0) {
                    m = Math.min(m, rings[i].capacity() / 4 * total / n[i]);
                }
            }
            return Math.max(1, m);
        }
    }

    /**
     * Output to one ring in chunks: before each reservation the stage needs {@code chunk} free slots (DeepEP's
     * worst-case reservation) and then writes up to {@code step} tokens (a whole number of chunks that fit) before it
     * publishes the tail. With {@code credits == false} the slots were reserved upstream and only the tail is
     * published, every {@code step} tokens (an RDMA put of a chunk followed by its tail update). With
     * {@code publishOnStall} a stage that runs out of input publishes what it has (a forwarder's short round).
     */
    static final class RingOut implements Pipe.Out {
        private final Ring ring;
        private final double chunk;
        private final double step;
        private final boolean credits;
        private final boolean publishOnStall;
        private double grantedTo;

        RingOut(final Ring ring, final double chunk, final double step, final boolean credits,
            final boolean publishOnStall) {
            this.ring = ring;
            this.chunk = chunk;
            this.step = Math.max(step, chunk);
            this.credits = credits;
            this.publishOnStall = publishOnStall;
        }

        @Override
        public double limit(final double p) {
            if (!credits) {
                return INF;
            }
            if (p < grantedTo - EPS) {
                return grantedTo;
            }
            final double total = ring.total();
            if (p >= total - EPS) {
                return total;
            }
            final double free = ring.free(p);
            if (free >= chunk - EPS) {
                final double n = Math.min(step, Math.floor((free + EPS) / chunk) * chunk);
                grantedTo = Math.min(total, p + n);
                ring.checkWrite(grantedTo);
                ring.blocked(false, "");
                return grantedTo;
            }
            ring.blocked(true, "the producer needs " + fmt(chunk) + " free slots (one chunk) and sees " + fmt(free)
                + " of " + fmt(ring.capacity()));
            return p;
        }

        @Override
        public double nextEvent(final double p) {
            if (credits) {
                return grantedTo > p + EPS ? grantedTo : INF;
            }
            final double b = (Math.floor(p / step + EPS) + 1) * step;
            return Math.min(b, ring.total());
        }

        @Override
        public void producedTo(final double p) {
            if (p <= 0) {
                return;
            }
            if (p >= ring.total() - EPS) {
                ring.publishTail(ring.total());
            } else if (credits) {
                if (p >= grantedTo - EPS) {
                    ring.publishTail(p);
                }
            } else if (Math.abs(p - Math.rint(p / step) * step) < EPS) {
                ring.publishTail(p);
            }
        }

        @Override
        public void stalled(final double p) {
            if (publishOnStall && p > 0) {
                ring.publishTail(p);
            }
        }
    }

    /**
     * Output to several rings at once, in proportion (an RDMA sender copying each token into the send slot of every
     * destination node): ring {@code j} receives {@code n[j]} of the stage's {@code total} tokens, written one by one,
     * each after checking its ring has a free slot. Every {@code step} tokens of a ring (and at its end) the written
     * count is handed on: to a {@link Feed} (the RDMA put stage of that ring) or, for a local ring, published as its
     * tail.
     */
    static final class MultiOut implements Pipe.Out {
        private final Ring[] rings;
        private final double[] n;
        private final double total;
        private final double step;
        private final Feed[] feeds;
        private final double[] handed;

        MultiOut(final Ring[] rings, final double[] n, final double total, final double step, final Feed[] feeds) {
            this.rings = rings;
            this.n = n;
            this.total = total;
            this.step = step;
            this.feeds = feeds;
            this.handed = new double[rings.length];
        }

        @Override
        public double limit(final double p) {
            double m = INF;
            int b = -1;
            for (int j = 0; j < rings.length; j++) {
                if (n[j] > 0) {
                    final double lim = (rings[j].headVisible() + rings[j].capacity()) * total / n[j];
                    if (lim < m) {
                        m = lim;
                        b = j;
                    }
                }
            }
            for (int j = 0; j < rings.length; j++) {
                if (n[j] > 0) {
                    rings[j].blocked(j == b && m <= p + EPS, j == b ? "the producer needs one free slot and sees "
                        + fmt(rings[j].free(p * n[j] / total)) + " of " + fmt(rings[j].capacity()) : "");
                }
            }
            return m;
        }

        @Override
        public double nextEvent(final double p) {
            double m = INF;
            for (int j = 0; j < rings.length; j++) {
                if (n[j] > 0) {
                    final double w = p * n[j] / total;
                    final double b = (Math.floor(w / step + EPS) + 1) * step;
                    m = Math.min(m, b >= n[j] ? total : b * total / n[j]);
                }
            }
            return m;
        }

        @Override
        public void producedTo(final double p) {
            for (int j = 0; j < rings.length; j++) {
                if (n[j] <= 0) {
                    continue;
                }
                final double w = p >= total - EPS ? n[j] : p * n[j] / total;
                rings[j].checkWrite(w);
                final double q = w >= n[j] - EPS ? n[j] : Math.floor(w / step + EPS) * step;
                if (q > handed[j] + EPS / 2) {
                    handed[j] = q;
                    if (feeds[j] != null) {
                        feeds[j].set(q);
                    } else {
                        rings[j].publishTail(q);
                    }
                }
            }
        }

        @Override
        public void stalled(final double p) {
        }
    }

    /**
     * @param c       tokens consumed.
     * @param total   tokens of the stream.
     * @param quantum rounding unit, 0 for none.
     * @return {@code c} rounded down to the quantum, or the total at the end.
     */
    static double quantize(final double c, final double total, final double quantum) {
        if (c >= total - EPS) {
            return total;
        }
        if (quantum <= 0) {
            return c;
        }
        return Math.floor(c / quantum + EPS) * quantum;
    }

    static String fmt(final double v) {
        return Math.abs(v - Math.rint(v)) < 1e-6 ? String.valueOf((long) Math.rint(v))
            : String.format(java.util.Locale.ROOT, "%.2f", v);
    }
}
