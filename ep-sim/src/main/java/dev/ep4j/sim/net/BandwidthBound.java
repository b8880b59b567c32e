package dev.ep4j.sim.net;

import dev.ep4j.sim.event.Durations;
import java.util.Arrays;
import java.util.Objects;

/**
 * The analytical bandwidth lower bound: given the bytes each resource must carry and its capacity, no schedule can
 * finish before {@code max_r ceil(bytes_r * 10^12 / C_r)} picoseconds (each resource moves at most {@code C_r}
 * bytes per second; rounding as in {@link Durations#transferPs}). The simulated makespan of the same bytes, started
 * at time 0, is never shorter: the network's floored max-min rates never exceed a capacity.
 *
 * <pre>{@code
 * BandwidthBound bound = new BandwidthBound(net.capacities());
 * bound.addPath(path, bytes);           // once per flow
 * long lowerPs = bound.boundPs();
 * int limiter = bound.bottleneck();     // resource id that sets the bound
 * }</pre>
 *
 * <p>Thread safety: not thread-safe; use one instance per thread.
 */
public final class BandwidthBound {
    private final long[] capacities;
    private final long[] bytes;

    /**
     * @param capacitiesBytesPerSec capacity of every resource in bytes per second, indexed by resource id (for
     *                              example {@link Network#capacities()}); each {@code >= 1}. Copied.
     */
    public BandwidthBound(final long[] capacitiesBytesPerSec) {
        Objects.requireNonNull(capacitiesBytesPerSec, "capacitiesBytesPerSec");
        for (int r = 0; r < capacitiesBytesPerSec.length; r++) {
            if (capacitiesBytesPerSec[r] < 1L) {
                throw new IllegalArgumentException("capacity of resource " + r + " must be >= 1 B/s: "
                    + capacitiesBytesPerSec[r]);
            }
        }
        this.capacities = capacitiesBytesPerSec.clone();
        this.bytes = new long[capacitiesBytesPerSec.length];
    }

    /**
     * Adds bytes that a resource must carry.
     *
     * @param resource resource id.
     * @param amount   bytes, {@code >= 0}.
     */
    public void add(final int resource, final long amount) {
        if (amount < 0L) {
            throw new IllegalArgumentException("bytes must be >= 0: " + amount + " on resource " + resource);
        }
        bytes[resource] = Math.addExact(bytes[resource], amount);
    }

    /**
     * Adds a flow: its bytes cross every resource of the path.
     *
     * @param path   the flow's path.
     * @param amount bytes, {@code >= 0}.
     */
    public void addPath(final Path path, final long amount) {
        for (int h = 0; h < path.length(); h++) {
            add(path.resource(h), amount);
        }
    }

    /**
     * @param resource resource id.
     * @return bytes added for it so far.
     */
    public long bytes(final int resource) {
        return bytes[resource];
    }

    /**
     * @return {@code max_r ceil(bytes_r * 10^12 / C_r)} in picoseconds; 0 when no bytes were added.
     */
    public long boundPs() {
        return boundPs(bytes, capacities);
    }

    /**
     * @return the resource that sets {@link #boundPs()} (the lowest id among ties), or -1 when no bytes were added.
     */
    public int bottleneck() {
        int best = -1;
        long bestPs = 0L;
        for (int r = 0; r < bytes.length; r++) {
            if (bytes[r] == 0L) {
                continue;
            }
            final long t = Durations.transferPs(bytes[r], capacities[r]);
            if (best < 0 || t > bestPs) {
                best = r;
                bestPs = t;
            }
        }
        return best;
    }

    /** Forgets all bytes added. */
    public void clear() {
        Arrays.fill(bytes, 0L);
    }

    /**
     * The bound for given per-resource byte totals.
     *
     * @param bytesPerResource      bytes each resource carries, indexed by resource id.
     * @param capacitiesBytesPerSec capacities in bytes per second, same indexing and length.
     * @return {@code max_r ceil(bytes_r * 10^12 / C_r)} in picoseconds.
     */
    public static long boundPs(final long[] bytesPerResource, final long[] capacitiesBytesPerSec) {
        if (bytesPerResource.length != capacitiesBytesPerSec.length) {
            throw new IllegalArgumentException("bytes and capacities differ in length: " + bytesPerResource.length
                + " vs " + capacitiesBytesPerSec.length);
        }
        long max = 0L;
        for (int r = 0; r < bytesPerResource.length; r++) {
            if (bytesPerResource[r] != 0L) {
                max = Math.max(max, Durations.transferPs(bytesPerResource[r], capacitiesBytesPerSec[r]));
            }
        }
        return max;
    }
}
