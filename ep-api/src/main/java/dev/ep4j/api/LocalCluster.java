package dev.ep4j.api;

import dev.ep4j.api.error.EpException;
import dev.ep4j.api.topology.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;

/**
 * R ranks in one JVM: opens a group on a backend and runs SPMD tasks, rank r always on its own thread
 * {@code ep4j-rank-r}, so per-thread device state (the CUDA current device) stays put.
 *
 * <pre>{@code
 * try (Backend sim = Backends.open("sim");
 *      LocalCluster cluster = LocalCluster.open(sim, new GroupSpec(Topology.singleNode(8), spec))) {
 *     List<DispatchResult> results = cluster.run(buf -> buf.dispatch(requestFor(buf.rank())));
 * }
 * }</pre>
 *
 * <p>A task failing on some ranks makes {@link #run} throw the lowest rank's exception, with the other ranks'
 * failures attached as suppressed. Collectives time out inside the backend (a rank that never arrives makes the
 * others fail naming it), so {@code run} always returns. Thread-safe for one {@code run} at a time.
 */
public final class LocalCluster implements AutoCloseable {
    private final EpGroup group;
    private final List<ExecutorService> threads = new ArrayList<>();
    private boolean closed;

    private LocalCluster(final EpGroup group) {
        this.group = group;
        for (int r = 0; r < group.topology().ranks(); r++) {
            final String name = "ep4j-rank-" + r;
            threads.add(Executors.newSingleThreadExecutor(task -> {
                final Thread t = new Thread(task, name);
                t.setDaemon(true);
                return t;
            }));
        }
    }

    /**
     * @param backend an opened backend.
     * @param spec    shape and buffer sizes.
     * @return a cluster owning a new group.
     */
    public static LocalCluster open(final Backend backend, final GroupSpec spec) {
        return new LocalCluster(backend.openGroup(spec));
    }

    /** A task run on one rank. */
    @FunctionalInterface
    public interface RankTask<T> {
        /**
         * @param buffer the rank's buffer.
         * @return the rank's result.
         * @throws Exception any failure.
         */
        T run(EpBuffer buffer) throws Exception;
    }

    /**
     * @return the group's shape.
     */
    public Topology topology() {
        return group.topology();
    }

    /**
     * @param rank a rank.
     * @return its buffer.
     */
    public EpBuffer buffer(final int rank) {
        return group.buffer(rank);
    }

    /**
     * Runs {@code task} on every rank at once and waits for all.
     *
     * @param task the SPMD body.
     * @param <T>  result type.
     * @return results indexed by rank.
     */
    public <T> List<T> run(final RankTask<T> task) {
        return run(r -> true, task);
    }

    /**
     * Runs {@code task} on the ranks {@code participates} accepts (null results for the others) — for tests of
     * ranks that never arrive.
     *
     * @param participates which ranks run.
     * @param task         the SPMD body.
     * @param <T>          result type.
     * @return results indexed by rank.
     */
    public <T> List<T> run(final IntPredicate participates, final RankTask<T> task) {
        if (closed) {
            throw new IllegalStateException("LocalCluster is closed");
        }
        final int ranks = topology().ranks();
        final List<Future<T>> futures = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            final EpBuffer buf = group.buffer(r);
            futures.add(participates.test(r) ? threads.get(r).submit(() -> task.run(buf)) : null);
        }
        final List<T> results = new ArrayList<>();
        RuntimeException first = null;
        for (int r = 0; r < ranks; r++) {
            final Future<T> f = futures.get(r);
            T value = null;
            if (f != null) {
                try {
                    value = f.get();
                } catch (final ExecutionException e) {
                    final RuntimeException ex = asRuntime(r, e.getCause());
                    if (first == null) {
                        first = ex;
                    } else {
                        first.addSuppressed(ex);
                    }
                } catch (final InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EpException("interrupted while waiting for rank " + r, e);
                }
            }
            results.add(value);
        }
        if (first != null) {
            throw first;
        }
        return results;
    }

    private static RuntimeException asRuntime(final int rank, final Throwable t) {
        if (t instanceof RuntimeException) {
            return (RuntimeException) t;
        }
        if (t instanceof Error) {
            throw (Error) t;
        }
        return new EpException("rank " + rank + " failed: " + t, t);
    }

    /**
     * Closes the group and stops the rank threads; idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            group.close();
        } finally {
            threads.forEach(ExecutorService::shutdownNow);
        }
    }
}
