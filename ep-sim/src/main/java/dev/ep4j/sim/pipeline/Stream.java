package dev.ep4j.sim.pipeline;

import dev.ep4j.sim.event.EventHandler;
import dev.ep4j.sim.net.Path;

/**
 * One sequential worker of a kernel (a warp group of one channel's SM): it walks {@code n} token positions in order,
 * one chunk at a time, reading from input rings and writing into an output ring (or the output tensor).
 *
 * <ul>
 *   <li><b>Inputs.</b> Input {@code i} carries {@code inCount[i]} of the stream's positions; position {@code p} needs
 *       the first {@code ceil(p · inCount[i] / n)} tokens of it (a reducer needs every contribution of a token; a
 *       single input with {@code inCount = n} is plain in-order consumption). No input: everything is ready at the
 *       start (a sender reading its own tokens).</li>
 *   <li><b>Output.</b> The first {@code p} positions produce {@code floor(p · outCount / n)} output tokens (a forwarder
 *       walking a node's RDMA ring passes on the tokens for one GPU; the routing gives only counts per (source,
 *       channel,
 *       destination), so the destination's tokens are spread evenly over the positions). A step claims its output
 *       slots before it moves the bytes; with {@code fullChunk} it waits until {@code min(chunk, remaining)} slots are
 *       free, as DeepEP's senders and forwarders do.</li>
 *   <li><b>Bytes.</b> Output tokens × {@code outBytes} move over {@code outPath} (the SM that drives the copy plus the
 *       links); input tokens × {@code inBytes} move over {@code readPath} (the SM that copies or reduces them into the
 *       output). A step ends when its flows have landed; then the output's tail is shown and the inputs' heads
 *       released.</li>
 * </ul>
 *
 * <p>Streams that share a {@link Lane} (one warp group serving several peers or source nodes) take turns, one chunk at
 * a time; streams without a lane run on their own.
 *
 * <p>Not thread-safe: owned by one simulation.
 */
final class Stream implements EventHandler {
    final String name;
    final int rank;
    private final Pipeline p;
    private final long n;
    private final Ring[] in;
    private final int[] inIdx;
    private final long[] inCount;
    private final long inBytes;
    private final Path readPath;
    private final Ring out;
    private final long outCount;
    private final long outBytes;
    private final Path outPath;
    private final long outLatencyPs;
    private final long chunk;
    private final boolean fullChunk;

    private long pos;
    private long next;
    private long stepOut;
    private int pending;
    private final Lane lane;
    private boolean started;
    private boolean queued;
    private boolean done;
    private Ring blockedOn;

    private Stream(final Builder b) {
        this.name = b.name;
        this.rank = b.rank;
        this.p = b.p;
        this.n = b.n;
        this.in = b.in.toArray(new Ring[0]);
        this.inCount = b.inCount.stream().mapToLong(Long::longValue).toArray();
        this.inIdx = new int[in.length];
        this.inBytes = b.inBytes;
        this.readPath = b.readPath;
        this.out = b.out;
        this.outCount = b.outCount;
        this.outBytes = b.outBytes;
        this.outPath = b.outPath;
        this.outLatencyPs = b.outLatencyPs;
        this.chunk = b.chunk;
        this.fullChunk = b.fullChunk;
        this.lane = b.lane;
        for (int i = 0; i < in.length; i++) {
            inIdx[i] = in[i].addConsumer(this);
        }
        if (out != null) {
            out.addProducer(this);
        }
    }

    static Builder builder(final Pipeline p, final String name, final int rank, final long positions) {
        return new Builder(p, name, rank, positions);
    }

    boolean done() {
        return done;
    }

    /** Called at the kernel's start and whenever a ring it waits on changes. */
    void wake() {
        started = true;
        if (pending != 0 || done || queued) {
            return;
        }
        if (lane == null) {
            step();
        } else {
            lane.request(this);
        }
    }

    void queued(final boolean value) {
        queued = value;
    }

    private long outAt(final long q) {
        return n == 0 ? 0 : Math.floorDiv(q * outCount, n);
    }

    private long inAt(final int i, final long q) {
        return n == 0 ? 0 : -Math.floorDiv(-q * inCount[i], n);
    }

    /**
     * Moves as far as the rings allow: instant advances over positions that produce and read nothing, then at most
     * one transfer.
     *
     * @return true when a transfer started (the stream's lane is busy until it lands).
     */
    boolean step() {
        while (true) {
            if (pos == n) {
                if (!done) {
                    done = true;
                    blockedOn = null;
                    p.finished(this);
                }
                return false;
            }
            long limit = n;
            blockedOn = null;
            for (int i = 0; i < in.length; i++) {
                if (inCount[i] > 0) {
                    final long q = Math.floorDiv(in[i].tailSeen() * n, inCount[i]);
                    if (q < limit) {
                        limit = q;
                        blockedOn = in[i];
                    }
                }
            }
            long target = limit;
            long dOut = 0;
            if (out != null && outCount > 0) {
                final long now = outAt(pos);
                final long most = outAt(limit);
                if (most > now) {
                    final long free = out.free();
                    final long need = fullChunk ? Math.min(chunk, outCount - now) : 1;
                    if (free < need) {
                        blockedOn = out;
                        return false;
                    }
                    final long upTo = now + Math.min(Math.min(chunk, free), most - now);
                    target = Math.min(limit, Math.floorDiv((upTo + 1) * n - 1, outCount));
                }
                dOut = outAt(target) - now;
            }
            if (target <= pos) {
                return false;
            }
            blockedOn = null;
            next = target;
            stepOut = dOut;
            long read = 0;
            for (int i = 0; i < in.length; i++) {
                read += inAt(i, target) - inAt(i, pos);
            }
            if (dOut > 0) {
                out.claim(dOut);
                pending++;
                p.net.startFlow(outPath, dOut * outBytes, outLatencyPs, rank, this, 0, 0);
            }
            if (read > 0 && readPath != null && inBytes > 0) {
                pending++;
                p.net.startFlow(readPath, read * inBytes, 0, rank, this, 0, 0);
            }
            if (pending > 0) {
                return true;
            }
            complete();
        }
    }

    private void complete() {
        if (stepOut > 0) {
            out.land(stepOut);
        }
        for (int i = 0; i < in.length; i++) {
            in[i].release(inIdx[i], inAt(i, next));
        }
        pos = next;
        p.progress();
    }

    @Override
    public void onEvent(final long arg0, final long arg1) {
        if (--pending == 0) {
            complete();
            if (lane == null) {
                step();
            } else {
                lane.release();
                lane.request(this);
            }
        }
    }

    /**
     * @return why it cannot move, for the deadlock report; null if finished or never started.
     */
    String blockedReason() {
        if (done) {
            return null;
        }
        if (!started) {
            return name + " never started";
        }
        if (pending > 0) {
            return name + " has " + pending + " transfers in flight";
        }
        if (blockedOn == out && out != null) {
            final long now = outAt(pos);
            final long need = fullChunk ? Math.min(chunk, outCount - now) : 1;
            return name + " waits for " + need + " free slots in " + out;
        }
        return name + " (at " + pos + " of " + n + ") waits for data in " + blockedOn;
    }

    Ring blockedOn() {
        return done ? null : blockedOn;
    }

    boolean waitsForSpace() {
        return !done && pending == 0 && blockedOn != null && blockedOn == out;
    }

    /** Builder; every setter returns this. */
    static final class Builder {
        private final Pipeline p;
        private final String name;
        private final int rank;
        private final long n;
        private final java.util.List<Ring> in = new java.util.ArrayList<>(1);
        private final java.util.List<Long> inCount = new java.util.ArrayList<>(1);
        private long inBytes;
        private Path readPath;
        private Ring out;
        private long outCount;
        private long outBytes;
        private Path outPath;
        private long outLatencyPs;
        private long chunk = Long.MAX_VALUE;
        private boolean fullChunk;
        private Lane lane;

        private Builder(final Pipeline p, final String name, final int rank, final long n) {
            this.p = p;
            this.name = name;
            this.rank = rank;
            this.n = n;
        }

        Builder input(final Ring ring, final long count) {
            in.add(ring);
            inCount.add(count);
            return this;
        }

        Builder read(final Path path, final long bytesPerToken) {
            this.readPath = path;
            this.inBytes = bytesPerToken;
            return this;
        }

        Builder output(final Ring ring, final long count, final long bytesPerToken, final Path path,
            final long latencyPs) {
            this.out = ring;
            this.outCount = count;
            this.outBytes = bytesPerToken;
            this.outPath = path;
            this.outLatencyPs = latencyPs;
            return this;
        }

        Builder chunk(final long tokens, final boolean full) {
            this.chunk = Math.max(1, tokens);
            this.fullChunk = full;
            return this;
        }

        Builder lane(final Lane l) {
            this.lane = l;
            return this;
        }

        Stream build() {
            if (p.maxSteps() > 0 && out != null && outCount > 0) {
                final long coarse = Math.min(-Math.floorDiv(-outCount, p.maxSteps()), out.capacity() / 2);
                chunk = Math.max(chunk, coarse);
            }
            final Stream s = new Stream(this);
            p.add(s);
            return s;
        }
    }
}
