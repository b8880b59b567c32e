package dev.ep4j.cuda;

import dev.ep4j.api.Backend;
import dev.ep4j.api.EpGroup;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.error.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The opened {@code cuda} backend: intranode normal mode (dispatch layout, dispatch, cached dispatch, worst-case
 * allocation, combine) on sm_90 GPUs, with every rank of a group as a thread of this JVM. Internode groups and the
 * low-latency kernels are not implemented yet (they throw {@link dev.ep4j.api.error.EpException} saying so).
 *
 * <p>Options ({@code Backends.open("cuda", options)}):
 * <ul>
 *   <li>{@code placement=virtual} (default): all ranks on one GPU ({@code device}, default 0), peers reached by
 *       plain device pointers. Every rank's kernel must be resident at once, so a group refuses (with
 *       {@link ConfigException}) a config whose {@code ranks x numSms} blocks exceed what the GPU holds.</li>
 *   <li>{@code placement=per-gpu}: rank r on GPU r (needs at least R GPUs and peer access between them).</li>
 * </ul>
 *
 * <p>Thread-safe: groups may be opened from any thread; closing the backend closes its groups.
 */
public final class CudaBackend implements Backend {
    /** Where the ranks of a group live. */
    public enum Placement {
        /** All ranks on one GPU. */
        VIRTUAL,
        /** Rank r on GPU r. */
        PER_GPU
    }

    private final Placement placement;
    private final int device;
    private final List<CudaGroup> groups = new ArrayList<>();
    private boolean closed;

    /**
     * @param options {@code placement} ({@code virtual} | {@code per-gpu}) and {@code device} (virtual placement).
     * @throws ConfigException on an unknown option value.
     */
    public CudaBackend(final Map<String, String> options) {
        Cuda.ensureAvailable();
        final String p = options.getOrDefault("placement", "virtual").toLowerCase(Locale.ROOT);
        switch (p) {
            case "virtual":
                placement = Placement.VIRTUAL;
                break;
            case "per-gpu":
                placement = Placement.PER_GPU;
                break;
            default:
                throw new ConfigException("cuda backend option placement=" + p + " is unknown; use placement=virtual "
                    + "(all ranks on one GPU) or placement=per-gpu (rank r on GPU r)");
        }
        try {
            device = Integer.parseInt(options.getOrDefault("device", "0"));
        } catch (final NumberFormatException e) {
            throw new ConfigException("cuda backend option device=" + options.get("device") + " is not a GPU index",
                e);
        }
        if (device < 0 || device >= Cuda.deviceCount()) {
            throw new ConfigException("cuda backend option device=" + device + " but " + Cuda.deviceCount()
                + " GPU(s) are visible");
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    /**
     * @return where groups of this backend place their ranks.
     */
    public Placement placement() {
        return placement;
    }

    @Override
    public synchronized EpGroup openGroup(final GroupSpec spec) {
        if (closed) {
            throw new IllegalStateException("cuda backend is closed");
        }
        final CudaGroup g = new CudaGroup(spec, placement, device);
        groups.add(g);
        return g;
    }

    @Override
    public void close() {
        final List<CudaGroup> toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = new ArrayList<>(groups);
            groups.clear();
        }
        RuntimeException first = null;
        for (final CudaGroup g : toClose) {
            try {
                g.close();
            } catch (final RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
