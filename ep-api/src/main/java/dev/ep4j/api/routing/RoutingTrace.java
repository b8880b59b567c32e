package dev.ep4j.api.routing;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * A recorded routing: the top-k expert ids of a real or generated run, replayed rank by rank. The trace is an
 * integer tensor, stored as a NumPy {@code .npy} file through a {@link TraceStore}:
 * <ul>
 *   <li>{@code [R, T, K]}: per-rank routing; rank {@code r} replays slice {@code r}, and the group must have exactly
 *       {@code R} ranks;</li>
 *   <li>{@code [T, K]}: one routing shared by every rank (each rank replays the same rows), for any group size.</li>
 * </ul>
 * Ids must be −1 (no selection) or in {@code [0, E)}; they are checked once, when the trace is created, and the
 * first offending entry is reported with the source, its position and its value. The dtype may be INT64 (as
 * written by {@link #save}), INT32, INT16 or INT8; the trace holds an INT64 copy. The column order is kept as
 * recorded.
 *
 * <p>Immutable (it copies its input and returns copies) and thread-safe.
 */
public final class RoutingTrace {
    private final HostTensor ids;
    private final int numExperts;
    private final String source;

    private RoutingTrace(final HostTensor ids, final int numExperts, final String source) {
        this.ids = ids;
        this.numExperts = numExperts;
        this.source = source;
    }

    /**
     * Validates a trace tensor and copies it as INT64.
     *
     * @param tensor     integer {@code [T, K]} or {@code [R, T, K]} expert ids.
     * @param numExperts total experts {@code E} of the run that will replay it, at least 1.
     * @param source     where the tensor came from (a file name), used in error messages.
     * @return the trace.
     * @throws InvalidInputException when the dtype or shape is wrong or an id is outside {@code [−1, E)}; the
     *                               message names {@code source}, the position and the value.
     */
    public static RoutingTrace of(final HostTensor tensor, final int numExperts, final String source) {
        Objects.requireNonNull(tensor, "tensor");
        Objects.requireNonNull(source, "source");
        if (numExperts < 1) {
            throw new InvalidInputException("numExperts=" + numExperts + " must be >= 1 to check routing trace "
                + source);
        }
        final DType dtype = tensor.dtype();
        if (dtype != DType.INT64 && dtype != DType.INT32 && dtype != DType.INT16 && dtype != DType.INT8) {
            throw new InvalidInputException("routing trace " + source + " has dtype " + dtype + "; expected signed "
                + "integer expert ids (INT64, or INT32/INT16/INT8)");
        }
        if (tensor.rank() != 2 && tensor.rank() != 3) {
            throw new InvalidInputException("routing trace " + source + " has shape " + Arrays.toString(tensor.shape())
                + "; expected [T, K] (shared by all ranks) or [R, T, K] (one slice per rank)");
        }
        final long[] shape = tensor.shape();
        final HostTensor copy = HostTensor.zeros(DType.INT64, shape);
        final long n = tensor.numel();
        for (long i = 0; i < n; i++) {
            final long id = tensor.getIntegral(i);
            if (id < -1 || id >= numExperts) {
                throw new InvalidInputException("routing trace " + source + ": expert id " + id + " at "
                    + position(shape, i) + " is outside [-1, " + numExperts + ") for numExperts=" + numExperts
                    + "; fix the trace or replay it with the expert count it was recorded for");
            }
            copy.setLong(i, id);
        }
        return new RoutingTrace(copy, numExperts, source);
    }

    /**
     * Reads and validates a trace file.
     *
     * @param file       the {@code .npy} file.
     * @param numExperts total experts {@code E}, at least 1.
     * @param store      reads the file.
     * @return the trace, with the file name as its source.
     * @throws IOException           when the store cannot read the file.
     * @throws InvalidInputException when its content is not a valid trace (see {@link #of}).
     */
    public static RoutingTrace load(final Path file, final int numExperts, final TraceStore store)
            throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(store, "store");
        return of(store.read(file), numExperts, file.toString());
    }

    /**
     * Records a per-rank trace {@code [R, T, K]} from a generator spec: slice {@code r} is
     * {@code Routing.generate(spec, r, …).topkIdx()}, masking included.
     *
     * @param spec     a generator spec; not {@link RoutingKind#TRACE}.
     * @param tokens   tokens per rank {@code T}, at least 0.
     * @param experts  total experts {@code E}, at least 1.
     * @param topK     experts per token {@code K}, in {@code [1, E]}.
     * @param topology the group shape; {@code R = topology.ranks()}.
     * @return the trace, with source {@code "generated:" + spec}.
     * @throws InvalidInputException when the spec is a trace or an argument is out of range.
     */
    public static RoutingTrace record(final RoutingSpec spec, final int tokens, final int experts, final int topK,
            final Topology topology) {
        Objects.requireNonNull(spec, "spec");
        if (spec.kind() == RoutingKind.TRACE) {
            throw new InvalidInputException("cannot record a trace from a TRACE spec (" + spec.tracePath()
                + "); load it instead");
        }
        final int ranks = topology.ranks();
        final long rankStride = (long) tokens * topK;
        final HostTensor all = HostTensor.zeros(DType.INT64, ranks, tokens, topK);
        for (int r = 0; r < ranks; r++) {
            final HostTensor idx = Routing.generate(spec, r, tokens, experts, topK, topology).topkIdx();
            for (long i = 0; i < rankStride; i++) {
                all.setLong(r * rankStride + i, idx.getLong(i));
            }
        }
        return new RoutingTrace(all, experts, "generated:" + spec);
    }

    /**
     * Writes the trace (INT64) through the store.
     *
     * @param file  the {@code .npy} file to create or replace.
     * @param store writes the file.
     * @throws IOException when the store cannot write it.
     */
    public void save(final Path file, final TraceStore store) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(store, "store");
        store.write(file, ids.copy());
    }

    /**
     * @return true for a per-rank {@code [R, T, K]} trace, false for a shared {@code [T, K]} one.
     */
    public boolean isPerRank() {
        return ids.rank() == 3;
    }

    /**
     * @return the number of rank slices {@code R} of a per-rank trace, or 0 for a shared trace.
     */
    public int ranks() {
        return isPerRank() ? (int) ids.dim(0) : 0;
    }

    /**
     * @return recorded tokens per rank {@code T}.
     */
    public int tokens() {
        return (int) ids.dim(-2);
    }

    /**
     * @return columns {@code K}.
     */
    public int topK() {
        return (int) ids.dim(-1);
    }

    /**
     * @return the expert count {@code E} the ids were checked against.
     */
    public int numExperts() {
        return numExperts;
    }

    /**
     * @return where the trace came from (file name or generator), as used in messages.
     */
    public String source() {
        return source;
    }

    /**
     * @return a copy of the whole INT64 tensor.
     */
    public HostTensor tensor() {
        return ids.copy();
    }

    /**
     * Replays all recorded rows of one rank.
     *
     * @param rank     the rank, in {@code [0, topology.ranks())}.
     * @param topology the group shape; for a per-rank trace it must have {@link #ranks()} ranks.
     * @return a new INT64 {@code [T, K]} tensor.
     * @throws InvalidInputException when the rank or topology does not fit the trace.
     */
    public HostTensor replay(final int rank, final Topology topology) {
        return replay(rank, tokens(), topK(), topology);
    }

    /**
     * Replays the first {@code tokens} rows of one rank (a run may use fewer tokens than were recorded).
     *
     * @param rank     the rank, in {@code [0, topology.ranks())}.
     * @param tokens   rows to replay, in {@code [0, tokens()]}.
     * @param topK     expected columns; must equal {@link #topK()}.
     * @param topology the group shape; for a per-rank trace it must have {@link #ranks()} ranks.
     * @return a new INT64 {@code [tokens, K]} tensor.
     * @throws InvalidInputException when an argument does not fit the trace; the message names the source.
     */
    public HostTensor replay(final int rank, final int tokens, final int topK, final Topology topology) {
        Objects.requireNonNull(topology, "topology");
        if (rank < 0 || rank >= topology.ranks()) {
            throw new InvalidInputException("rank=" + rank + " is outside [0, " + topology.ranks() + ") for topology "
                + topology);
        }
        if (isPerRank() && ranks() != topology.ranks()) {
            throw new InvalidInputException("routing trace " + source + " holds " + ranks() + " ranks but topology "
                + topology + " has " + topology.ranks() + "; record the trace for this topology or use a shared "
                + "[T, K] trace");
        }
        if (topK != topK()) {
            throw new InvalidInputException("routing trace " + source + " has K=" + topK() + " columns but the run "
                + "uses topK=" + topK + "; run with topK=" + topK());
        }
        if (tokens < 0 || tokens > tokens()) {
            throw new InvalidInputException("routing trace " + source + " has " + tokens() + " tokens per rank but "
                + tokens + " were requested; use at most " + tokens() + " tokens or record a longer trace");
        }
        final long base = isPerRank() ? (long) rank * tokens() * topK : 0L;
        final HostTensor out = HostTensor.zeros(DType.INT64, tokens, topK);
        final long n = out.numel();
        for (long i = 0; i < n; i++) {
            out.setLong(i, ids.getLong(base + i));
        }
        return out;
    }

    private static String position(final long[] shape, final long flat) {
        final long k = flat % shape[shape.length - 1];
        final long t = (flat / shape[shape.length - 1]) % shape[shape.length - 2];
        if (shape.length == 3) {
            final long r = flat / (shape[1] * shape[2]);
            return "[rank " + r + ", token " + t + ", k " + k + "]";
        }
        return "[token " + t + ", k " + k + "]";
    }

    /**
     * @return the source, shape and expert count.
     */
    @Override
    public String toString() {
        return "RoutingTrace[" + source + ", " + Arrays.toString(ids.shape()) + ", E=" + numExperts + "]";
    }
}
