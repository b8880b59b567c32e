package dev.ep4j.api.routing;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Seeded, deterministic routing generators: they produce a rank's {@code topk_idx} (INT64 {@code [T, K]}) and
 * optionally {@code topk_weights} (FLOAT32 {@code [T, K]}) the way DeepEP's reference tests do, with ep4j's own
 * random streams instead of torch's.
 *
 * <p><b>Determinism.</b> Every output is a pure function of the arguments: the same seed, rank and sizes give
 * byte-identical tensors on every JVM and platform. Randomness comes only from {@link RandomStream}s keyed by
 * {@code (seed, streamId, rank)}, with one stream id per purpose, so that changing one purpose (say, the weight mode)
 * never shifts the draws of another (the indices):
 * <ul>
 *   <li>{@link #STREAM_SCORES}: uniform and group-limited scores, drawn token by token, expert by expert
 *       ({@code T·E} uniform deviates, see below). The two kinds share it, so group-limited gating with
 *       {@code numTopkGroups = numGroups} reproduces the uniform routing exactly;</li>
 *   <li>{@link #STREAM_ZIPF_PERMUTATION} (substream 0 on every rank): which expert has which popularity rank, shared
 *       by all ranks so that hot experts are hot everywhere;</li>
 *   <li>{@link #STREAM_ZIPF_KEYS}: one uniform per (token, expert) for the Zipf sampling keys;</li>
 *   <li>{@link #STREAM_MASK}: the positions set to −1;</li>
 *   <li>{@link #STREAM_WEIGHTS}: one normal deviate per (token, k) entry, row-major, for random weights.</li>
 * </ul>
 *
 * <p><b>Scores.</b> DeepEP's tests score experts with {@code |N(0,1)| + 1}. Only the order of the scores matters
 * (top-k, and the group maximum of group-limited gating), and {@code |N|} is a strictly increasing function of its
 * own CDF value, which is uniform: ranking i.i.d. uniforms selects experts with exactly the same distribution (equal
 * in law, not draw for draw, to a run with normal deviates). ep4j therefore draws scores {@code 1 + U[0, 1)}, about
 * 20 times cheaper than Box–Muller normals; an EP64 timing run ranks 67 M scores.
 *
 * <p><b>Top-k and column order.</b> Top-k picks the {@code K} largest scores; equal scores go to the lower expert
 * id. With {@code sorted = true} the columns are in descending score order (DeepEP's low-latency test uses a sorted
 * {@code torch.topk}); with {@code sorted = false} they are in ascending expert id order. DeepEP's intranode and
 * internode tests use an unsorted {@code torch.topk}, whose column order is unspecified; ep4j fixes it to ascending
 * ids. No kernel result depends on the column order except through the weights that travel with each column.
 *
 * <p>Stateless and thread-safe: each call opens its own streams.
 */
public final class Routing {
    /** Stream id of uniform and group-limited scores {@code 1 + U[0, 1)} (see the class comment). */
    public static final long STREAM_SCORES = 1;
    /** Stream id of the masked positions. */
    public static final long STREAM_MASK = 2;
    /** Stream id of random weights. */
    public static final long STREAM_WEIGHTS = 3;
    /** Stream id of the Zipf popularity permutation (substream 0, independent of the rank). */
    public static final long STREAM_ZIPF_PERMUTATION = 4;
    /** Stream id of the Zipf sampling keys. */
    public static final long STREAM_ZIPF_KEYS = 5;

    private Routing() {
    }

    /**
     * Generates one rank's routing from a spec: indices by {@code spec.kind()}, then {@code spec.maskedEntries()}
     * entries set to −1, then weights by {@code spec.weights()}. For {@link RoutingKind#TRACE} use
     * {@link #generate(RoutingSpec, int, int, int, int, Topology, TraceStore)}.
     *
     * @param spec     the generator and its parameters.
     * @param rank     this rank, in {@code [0, topology.ranks())}; selects the random substreams.
     * @param tokens   tokens {@code T} on this rank, at least 0.
     * @param experts  total experts {@code E}, at least 1.
     * @param topK     experts per token {@code K}, in {@code [1, E]}.
     * @param topology the group shape (its node count is the group count of group-limited gating).
     * @return the routing; deterministic in all arguments.
     * @throws InvalidInputException when an argument is out of range or the kind is {@link RoutingKind#TRACE}.
     */
    public static GeneratedRouting generate(final RoutingSpec spec, final int rank, final int tokens,
            final int experts, final int topK, final Topology topology) {
        return generate(spec, rank, tokens, experts, topK, topology, null);
    }

    /**
     * Generates one rank's routing from a spec, reading trace files through {@code traceStore}. Same contract as
     * {@link #generate(RoutingSpec, int, int, int, int, Topology)}; for {@link RoutingKind#TRACE} the trace is read
     * on every call and rank {@code rank}'s first {@code tokens} rows are replayed (see
     * {@link RoutingTrace#replay(int, int, int, Topology)}).
     *
     * @param spec       the generator and its parameters.
     * @param rank       this rank, in {@code [0, topology.ranks())}.
     * @param tokens     tokens {@code T} on this rank, at least 0.
     * @param experts    total experts {@code E}, at least 1.
     * @param topK       experts per token {@code K}, in {@code [1, E]}.
     * @param topology   the group shape.
     * @param traceStore reads trace files; may be {@code null} unless the kind is {@link RoutingKind#TRACE}.
     * @return the routing.
     * @throws InvalidInputException when an argument is out of range, or the trace cannot be read or is invalid.
     */
    public static GeneratedRouting generate(final RoutingSpec spec, final int rank, final int tokens,
            final int experts, final int topK, final Topology topology, final TraceStore traceStore) {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(topology, "topology");
        if (rank < 0 || rank >= topology.ranks()) {
            throw new InvalidInputException("rank=" + rank + " is outside [0, " + topology.ranks() + ") for topology "
                + topology);
        }
        final HostTensor idx;
        switch (spec.kind()) {
            case UNIFORM:
                idx = uniform(spec.seed(), rank, tokens, experts, topK, spec.sorted());
                break;
            case GROUP_LIMITED:
                final int groups = topology.nodes();
                final int topkGroups = spec.numTopkGroups() == 0 ? Math.min(groups, 4) : spec.numTopkGroups();
                idx = groupLimited(spec.seed(), rank, tokens, experts, topK, groups, topkGroups, spec.sorted());
                break;
            case ZIPF:
                idx = zipf(spec.seed(), rank, tokens, experts, topK, spec.zipfExponent(), spec.sorted());
                break;
            case TRACE:
                idx = loadTrace(spec.tracePath(), experts, traceStore).replay(rank, tokens, topK, topology);
                break;
            default:
                throw new IllegalStateException("unhandled routing kind " + spec.kind());
        }
        if (spec.maskedEntries() > 0) {
            mask(idx, spec.maskedEntries(), spec.seed(), rank);
        }
        return new GeneratedRouting(idx, weights(spec.weights(), spec.weightValue(), spec.seed(), rank, tokens, topK));
    }

    private static RoutingTrace loadTrace(final String path, final int experts, final TraceStore traceStore) {
        if (traceStore == null) {
            throw new InvalidInputException("routing kind TRACE (" + path + ") needs a TraceStore to read the file; "
                + "call generate(spec, rank, tokens, experts, topK, topology, traceStore)");
        }
        try {
            return RoutingTrace.load(Path.of(path), experts, traceStore);
        } catch (final IOException e) {
            throw new InvalidInputException("cannot read routing trace " + path + ": " + e.getMessage()
                + "; check the path and that it is a .npy file", e);
        }
    }

    /**
     * Uniform routing as in DeepEP's intranode and low-latency tests: scores per (token, expert) ranked as DeepEP's
     * {@code |N(0,1)| + 1} are (drawn as {@code 1 + U[0, 1)}, see the class comment), and the top {@code K} of each
     * row.
     *
     * @param seed    scenario seed.
     * @param rank    substream (the rank), at least 0.
     * @param tokens  rows {@code T}, at least 0.
     * @param experts experts {@code E}, at least 1.
     * @param topK    columns {@code K}, in {@code [1, E]}.
     * @param sorted  column order: descending score ({@code true}) or ascending expert id ({@code false}).
     * @return INT64 {@code [T, K]}, each row {@code K} distinct ids in {@code [0, E)}.
     * @throws InvalidInputException when a size is out of range.
     */
    public static HostTensor uniform(final long seed, final int rank, final int tokens, final int experts,
            final int topK, final boolean sorted) {
        checkSizes(rank, tokens, experts, topK);
        return groupLimitedUnchecked(seed, rank, tokens, experts, topK, 1, 1, sorted);
    }

    /**
     * Group-limited (node-limited) gating as in DeepEP's internode test: scores {@code 1 + U[0, 1)} (the same
     * draws as {@link #uniform}); each group of {@code E / numGroups} consecutive experts scores the maximum of its
     * experts; the top {@code numTopkGroups} groups are kept (ties to the lower group id); the other groups' scores
     * are set to 0; the top {@code K} of the masked scores are returned. Every row thus uses experts of at most
     * {@code numTopkGroups} groups.
     *
     * @param seed          scenario seed.
     * @param rank          substream (the rank), at least 0.
     * @param tokens        rows {@code T}, at least 0.
     * @param experts       experts {@code E}, at least 1 and divisible by {@code numGroups}.
     * @param topK          columns {@code K}, in {@code [1, numTopkGroups · E / numGroups]}.
     * @param numGroups     groups (nodes), at least 1.
     * @param numTopkGroups groups each token may use, in {@code [1, numGroups]}.
     * @param sorted        column order: descending score or ascending expert id.
     * @return INT64 {@code [T, K]}, each row {@code K} distinct ids in {@code [0, E)}.
     * @throws InvalidInputException when a size is out of range or the groups do not divide the experts.
     */
    public static HostTensor groupLimited(final long seed, final int rank, final int tokens, final int experts,
            final int topK, final int numGroups, final int numTopkGroups, final boolean sorted) {
        checkSizes(rank, tokens, experts, topK);
        if (numGroups < 1 || experts % numGroups != 0) {
            throw new InvalidInputException("group-limited routing needs experts=" + experts + " divisible by the "
                + "group (node) count " + numGroups + "; choose a multiple of " + Math.max(numGroups, 1)
                + " experts");
        }
        if (numTopkGroups < 1 || numTopkGroups > numGroups) {
            throw new InvalidInputException("numTopkGroups=" + numTopkGroups + " must be in [1, " + numGroups
                + "] (the group/node count)");
        }
        final int capacity = numTopkGroups * (experts / numGroups);
        if (topK > capacity) {
            throw new InvalidInputException("topK=" + topK + " exceeds the " + capacity + " experts of "
                + numTopkGroups + " groups of " + experts / numGroups + "; raise numTopkGroups or lower topK");
        }
        return groupLimitedUnchecked(seed, rank, tokens, experts, topK, numGroups, numTopkGroups, sorted);
    }

    private static HostTensor groupLimitedUnchecked(final long seed, final int rank, final int tokens,
            final int experts, final int topK, final int numGroups, final int numTopkGroups, final boolean sorted) {
        final HostTensor out = HostTensor.zeros(DType.INT64, tokens, topK);
        final RandomStream scoresStream = RandomStream.of(seed, STREAM_SCORES, rank);
        final int groupSize = experts / numGroups;
        final boolean limited = numTopkGroups < numGroups;
        final double[] scores = new double[experts];
        final double[] groupScores = new double[numGroups];
        final int[] keptGroups = new int[numTopkGroups];
        final boolean[] groupKept = new boolean[numGroups];
        final int[] picked = new int[topK];
        for (int t = 0; t < tokens; t++) {
            for (int e = 0; e < experts; e++) {
                scores[e] = 1.0 + scoresStream.nextDouble();
            }
            if (limited) {
                for (int g = 0; g < numGroups; g++) {
                    double max = scores[g * groupSize];
                    for (int e = g * groupSize + 1; e < (g + 1) * groupSize; e++) {
                        max = Math.max(max, scores[e]);
                    }
                    groupScores[g] = max;
                }
                selectTopK(groupScores, numGroups, numTopkGroups, false, keptGroups);
                Arrays.fill(groupKept, false);
                for (final int g : keptGroups) {
                    groupKept[g] = true;
                }
                for (int e = 0; e < experts; e++) {
                    if (!groupKept[e / groupSize]) {
                        scores[e] = 0.0;
                    }
                }
            }
            selectTopK(scores, experts, topK, sorted, picked);
            writeRow(out, t, picked);
        }
        return out;
    }

    /**
     * Skewed routing: {@code K} distinct experts per token, sampled without replacement with probability
     * proportional to the Zipf weight {@code 1 / (p + 1)^s} of the expert's popularity rank {@code p} (0 = most
     * popular). Popularity ranks are a seeded permutation of the experts ({@link #zipfPopularity}), the same on every
     * rank. Sampling uses the Gumbel-top-k method: key {@code −s·ln(p + 1) − ln(−ln u)} with {@code u} uniform in
     * {@code (0, 1)}, top {@code K} keys; this draws exactly the sequential weighted-without-replacement
     * distribution, and {@code sorted = true} gives the columns in that sequential draw order. {@code s = 0} is a
     * uniformly random K-subset; large {@code s} concentrates on the most popular experts.
     *
     * @param seed     scenario seed.
     * @param rank     substream (the rank), at least 0.
     * @param tokens   rows {@code T}, at least 0.
     * @param experts  experts {@code E}, at least 1.
     * @param topK     columns {@code K}, in {@code [1, E]}.
     * @param exponent Zipf exponent {@code s}, finite and at least 0.
     * @param sorted   column order: draw order (descending key) or ascending expert id.
     * @return INT64 {@code [T, K]}, each row {@code K} distinct ids in {@code [0, E)}.
     * @throws InvalidInputException when a size or the exponent is out of range.
     */
    public static HostTensor zipf(final long seed, final int rank, final int tokens, final int experts,
            final int topK, final double exponent, final boolean sorted) {
        checkSizes(rank, tokens, experts, topK);
        if (!(exponent >= 0) || Double.isInfinite(exponent)) {
            throw new InvalidInputException("zipf exponent=" + exponent + " must be finite and >= 0 (0 = uniform)");
        }
        final int[] popularity = zipfPopularity(seed, experts);
        final double[] logWeight = new double[experts];
        for (int p = 0; p < experts; p++) {
            logWeight[popularity[p]] = -exponent * StrictMath.log(p + 1.0);
        }
        final HostTensor out = HostTensor.zeros(DType.INT64, tokens, topK);
        final RandomStream keysStream = RandomStream.of(seed, STREAM_ZIPF_KEYS, rank);
        final double[] keys = new double[experts];
        final int[] picked = new int[topK];
        for (int t = 0; t < tokens; t++) {
            for (int e = 0; e < experts; e++) {
                keys[e] = logWeight[e] - StrictMath.log(-StrictMath.log(keysStream.nextOpenDouble()));
            }
            selectTopK(keys, experts, topK, sorted, picked);
            writeRow(out, t, picked);
        }
        return out;
    }

    /**
     * The Zipf popularity order used by {@link #zipf}: a Fisher–Yates shuffle of {@code 0 … E−1} drawn from stream
     * {@link #STREAM_ZIPF_PERMUTATION}, substream 0, so the same on every rank.
     *
     * @param seed    scenario seed.
     * @param experts experts {@code E}, at least 1.
     * @return a new array: element {@code p} is the expert with popularity rank {@code p} (0 = most popular).
     * @throws InvalidInputException when {@code experts < 1}.
     */
    public static int[] zipfPopularity(final long seed, final int experts) {
        if (experts < 1) {
            throw new InvalidInputException("experts=" + experts + " must be >= 1");
        }
        final RandomStream stream = RandomStream.of(seed, STREAM_ZIPF_PERMUTATION, 0);
        final int[] order = new int[experts];
        for (int i = 0; i < experts; i++) {
            order[i] = i;
        }
        for (int i = experts - 1; i > 0; i--) {
            final int j = stream.nextInt(i + 1);
            final int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }

    /**
     * Sets {@code count} distinct, uniformly chosen (token, k) entries of {@code topkIdx} to −1, in place, as
     * DeepEP's low-latency test masks 10 entries. Unlike that test, which draws the positions with replacement (and
     * so may mask fewer), exactly {@code count} distinct positions are chosen (Floyd's sampling from stream
     * {@link #STREAM_MASK}); an entry that already was −1 stays −1. Weights are left unchanged.
     *
     * @param topkIdx INT64 or INT32 {@code [T, K]}, modified in place.
     * @param count   entries to mask, in {@code [0, T·K]}.
     * @param seed    scenario seed.
     * @param rank    substream (the rank), at least 0.
     * @throws InvalidInputException when the tensor is not a 2-D INT64/INT32 tensor or {@code count} is out of range.
     */
    public static void mask(final HostTensor topkIdx, final int count, final long seed, final int rank) {
        Objects.requireNonNull(topkIdx, "topkIdx");
        if (topkIdx.rank() != 2 || (topkIdx.dtype() != DType.INT64 && topkIdx.dtype() != DType.INT32)) {
            throw new InvalidInputException("topk_idx to mask must be a 2-D INT64 or INT32 tensor, got " + topkIdx);
        }
        final long entries = topkIdx.numel();
        if (count < 0 || count > entries) {
            throw new InvalidInputException("maskedEntries=" + count + " must be in [0, " + entries + "] (T·K of "
                + topkIdx + ")");
        }
        if (rank < 0) {
            throw new InvalidInputException("rank=" + rank + " must be >= 0");
        }
        final RandomStream stream = RandomStream.of(seed, STREAM_MASK, rank);
        final int n = (int) entries;
        final Set<Integer> chosen = new HashSet<>();
        for (int j = n - count; j < n; j++) {
            final int candidate = stream.nextInt(j + 1);
            chosen.add(chosen.contains(candidate) ? j : candidate);
        }
        for (final int position : chosen) {
            if (topkIdx.dtype() == DType.INT64) {
                topkIdx.setLong(position, -1L);
            } else {
                topkIdx.setInt(position, -1);
            }
        }
    }

    /**
     * Generates weights. Random modes draw one normal deviate per entry, row-major, from stream
     * {@link #STREAM_WEIGHTS}, computed in double and rounded once to float32.
     *
     * @param mode   weight mode.
     * @param value  the constant for {@link WeightMode#CONSTANT} (rounded to float32); ignored otherwise.
     * @param seed   scenario seed.
     * @param rank   substream (the rank), at least 0; also the value of {@link WeightMode#RANK}.
     * @param tokens rows {@code T}, at least 0.
     * @param topK   columns {@code K}, at least 0.
     * @return FLOAT32 {@code [T, K]}, or {@code null} for {@link WeightMode#NONE}.
     * @throws InvalidInputException when a size is negative.
     */
    public static HostTensor weights(final WeightMode mode, final double value, final long seed, final int rank,
            final int tokens, final int topK) {
        Objects.requireNonNull(mode, "mode");
        if (tokens < 0 || topK < 0 || rank < 0) {
            throw new InvalidInputException("weights need tokens=" + tokens + ", topK=" + topK + " and rank=" + rank
                + " all >= 0");
        }
        if (mode == WeightMode.NONE) {
            return null;
        }
        final HostTensor out = HostTensor.zeros(DType.FLOAT32, tokens, topK);
        final long n = out.numel();
        final RandomStream stream = RandomStream.of(seed, STREAM_WEIGHTS, rank);
        for (long i = 0; i < n; i++) {
            final double w;
            switch (mode) {
                case CONSTANT:
                    w = value;
                    break;
                case RANK:
                    w = rank;
                    break;
                case ABS_NORMAL:
                    w = Math.abs(stream.nextGaussian());
                    break;
                case NORMAL:
                    w = stream.nextGaussian();
                    break;
                default:
                    throw new IllegalStateException("unhandled weight mode " + mode);
            }
            out.setFloat(i, (float) w);
        }
        return out;
    }

    /**
     * Picks the {@code k} largest of {@code values[0 … n)}; ties go to the lower index. Writes the picks to
     * {@code picked[0 … k)} in descending value order, or ascending index order when not sorted. Package-private for
     * tests.
     */
    static void selectTopK(final double[] values, final int n, final int k, final boolean sorted,
            final int[] picked) {
        // one pass, keeping picked[0 … count) in descending value order (earlier index first on ties)
        int count = 0;
        for (int e = 0; e < n; e++) {
            final double v = values[e];
            if (count == k && !(v > values[picked[k - 1]])) {
                continue;
            }
            int i = count < k ? count++ : k - 1;
            while (i > 0 && v > values[picked[i - 1]]) {
                picked[i] = picked[i - 1];
                i--;
            }
            picked[i] = e;
        }
        if (!sorted) {
            Arrays.sort(picked, 0, k);
        }
    }

    private static void writeRow(final HostTensor out, final int token, final int[] picked) {
        final long base = (long) token * picked.length;
        for (int k = 0; k < picked.length; k++) {
            out.setLong(base + k, picked[k]);
        }
    }

    private static void checkSizes(final int rank, final int tokens, final int experts, final int topK) {
        if (rank < 0) {
            throw new InvalidInputException("rank=" + rank + " must be >= 0");
        }
        if (tokens < 0) {
            throw new InvalidInputException("tokens=" + tokens + " must be >= 0");
        }
        if (experts < 1) {
            throw new InvalidInputException("experts=" + experts + " must be >= 1");
        }
        if (topK < 1 || topK > experts) {
            throw new InvalidInputException("topK=" + topK + " must be in [1, experts=" + experts + "]: each token "
                + "selects topK distinct experts");
        }
    }
}
