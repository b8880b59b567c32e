package dev.ep4j.sim.exec;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.math.LogFmt;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The functional low-latency combine (docs/semantics.md "Low-latency"; spec §6.5, §6.7), split like DeepEP's kernel
 * into a send phase ({@link #send}, on the expert owner) and a receive phase ({@link #receive}, on the tokens'
 * owner).
 *
 * <p>Send phase of rank d: for every destination rank m and local expert e, the rows
 * {@code [begin, begin + count)} of {@code layoutRange[e][m]} of d's handle are sent, row {@code begin + j} tagged
 * with its token {@code srcInfo[e][begin + j]}. With LogFMT each row is encoded once here
 * ({@link LogFmt#encode}); otherwise its BF16 bits are copied. This is DeepEP's slot
 * {@code [d * E_loc + e][srcInfo[row]]} in m's combine receive area.
 *
 * <p>Receive phase of rank me with tokens {@code T}: for each token t, for each hidden element i,
 * <pre>
 *   acc = 0f
 *   for k = 0 .. K-1 with e = topkIdx[t][k] &gt;= 0:
 *       v   = value i of the slot (e, t): the row rank e / E_loc sent for token t of local expert e % E_loc,
 *             Bf16.toFloat of its bits, or its LogFmt.decode value
 *       acc = Math.fma(topkWeights[t][k], v, acc)     // float32 fused multiply-add, one rounding
 *   combinedX[t][i] = Bf16.fromFloat(acc)              // round to nearest even
 * </pre>
 * When the handles come from the dispatch of the same {@code topkIdx}, the slot (e, t) is row
 * {@code begin(e % E_loc, me) + (index of t among me's tokens selecting e, ascending)} of rank {@code e / E_loc}.
 * A selection whose slot no rank sent (the combine's top-k disagrees with the dispatch's) fails with
 * {@link InvalidInputException} on the rank that reads it.
 *
 * <p>Stateless and thread-safe.
 */
public final class LowLatencyCombine {
    private LowLatencyCombine() {
    }

    /**
     * The send phase: copies (or LogFMT-encodes) the rows of {@code x} that the handle says were received, grouped
     * by the rank they go back to. Reads {@code x} now; the result does not alias it.
     *
     * @param rank        the sending rank.
     * @param ranks       R.
     * @param x           BF16 {@code [E_loc, R * T_max, H]} expert outputs in the packed layout.
     * @param srcInfo     the handle's INT32 {@code [E_loc, R * T_max]}.
     * @param layoutRange the handle's INT64 {@code [E_loc, R]}.
     * @param maxTokens   T_max of the handle.
     * @param hidden      H of the handle.
     * @param numExperts  E of the handle.
     * @param useLogfmt   encode rows with LogFMT-10.
     * @return what the rank publishes.
     * @throws InvalidInputException when the handle's tensors have the wrong dtype or shape, or a range or source
     *     token is out of bounds.
     */
    public static LowLatencyCombineInput send(final int rank, final int ranks, final HostTensor x,
        final HostTensor srcInfo, final HostTensor layoutRange, final int maxTokens, final int hidden,
        final int numExperts, final boolean useLogfmt) {
        Objects.requireNonNull(x, "x");
        final int local = numExperts / ranks;
        final int rows = ranks * maxTokens;
        check("handle.srcInfo", srcInfo, DType.INT32, local, rows);
        check("handle.layoutRange", layoutRange, DType.INT64, local, ranks);
        final int stride = useLogfmt ? LogFmt.maxBytes(hidden) : 2 * hidden;
        final ShortBuffer xs = x.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
        final short[] row = useLogfmt ? new short[hidden] : null;
        final LowLatencyCombineInput.Block[][] blocks = new LowLatencyCombineInput.Block[ranks][local];
        for (int e = 0; e < local; e++) {
            for (int d = 0; d < ranks; d++) {
                final long range = layoutRange.getLong((long) e * ranks + d);
                final long begin = range >>> 32;
                final long count = range & 0xFFFFFFFFL;
                if (begin + count > rows) {
                    throw new InvalidInputException("handle.layoutRange[" + e + "][" + d + "] = (begin " + begin
                        + ", count " + count + ") runs past the " + rows + " packed rows; pass the handle returned by "
                        + "this rank's lowLatencyDispatch");
                }
                final int n = (int) count;
                final int[] tokens = new int[n];
                final byte[] data = new byte[n * stride];
                for (int j = 0; j < n; j++) {
                    final int packed = (int) begin + j;
                    final int t = srcInfo.getInt((long) e * rows + packed);
                    if (t < 0 || t >= maxTokens) {
                        throw new InvalidInputException("handle.srcInfo[" + e + "][" + packed + "] = " + t
                            + " is outside [0, maxTokensPerRank=" + maxTokens + ") inside layoutRange[" + e + "]["
                            + d + "]; pass the handle returned by this rank's lowLatencyDispatch");
                    }
                    tokens[j] = t;
                    final int first = (e * rows + packed) * hidden;
                    if (useLogfmt) {
                        xs.get(first, row, 0, hidden);
                        LogFmt.encode(row, 0, hidden, data, j * stride);
                    } else {
                        x.buffer().get(2 * first, data, j * stride, stride);
                    }
                }
                blocks[d][e] = new LowLatencyCombineInput.Block(tokens, data, stride);
            }
        }
        return new LowLatencyCombineInput(rank, maxTokens, hidden, numExperts, useLogfmt, blocks);
    }

    private static void check(final String name, final HostTensor t, final DType dtype, final long... shape) {
        if (t == null) {
            throw new InvalidInputException(name + " is null; pass the handle returned by lowLatencyDispatch");
        }
        if (t.dtype() != dtype || !Arrays.equals(t.shape(), shape)) {
            throw new InvalidInputException(name + " is " + t + " but must be " + dtype + " " + Arrays.toString(shape)
                + "; pass the handle returned by this rank's lowLatencyDispatch");
        }
    }

    /**
     * Checks that every rank passed handles with the same T_max, H and E and the same LogFMT option; on
     * disagreement every rank fails with the same message (all compare against rank 0).
     *
     * @param all every rank's input, by rank.
     * @throws InvalidInputException naming the first disagreeing rank and value.
     */
    public static void checkAgreement(final LowLatencyCombineInput[] all) {
        final LowLatencyCombineInput a = all[0];
        for (int r = 1; r < all.length; r++) {
            final LowLatencyCombineInput b = all[r];
            LowLatencyDispatch.same(r, "handle maxTokensPerRank", a.maxTokensPerRank(), b.maxTokensPerRank());
            LowLatencyDispatch.same(r, "handle hidden size", a.hidden(), b.hidden());
            LowLatencyDispatch.same(r, "handle numExperts", a.numExperts(), b.numExperts());
            LowLatencyDispatch.same(r, "useLogfmt", a.useLogfmt(), b.useLogfmt());
        }
    }

    /**
     * The receive phase of rank {@code me}: the weighted reduction of the class comment into {@code out}.
     *
     * @param me      the receiving rank (owner of the tokens).
     * @param all     every rank's input, by rank (agreement already checked).
     * @param topkIdx me's INT64 or INT32 {@code [T, K]}.
     * @param weights me's FLOAT32 {@code [T, K]}.
     * @param out     BF16 {@code [T, H]}, every element written.
     * @throws InvalidInputException when a selection has no slot (see the class comment).
     */
    public static void receive(final int me, final LowLatencyCombineInput[] all, final HostTensor topkIdx,
        final HostTensor weights, final HostTensor out) {
        final LowLatencyCombineInput mine = all[me];
        final int ranks = all.length;
        final int local = mine.numExperts() / ranks;
        final int tMax = mine.maxTokensPerRank();
        final int h = mine.hidden();
        // slot[g * T_max + t] = index of token t's row in the block expert g sent to me, or -1.
        final int[] slot = new int[mine.numExperts() * tMax];
        Arrays.fill(slot, -1);
        for (int d = 0; d < ranks; d++) {
            for (int e = 0; e < local; e++) {
                final int[] tokens = all[d].blocks()[me][e].tokens();
                for (int j = 0; j < tokens.length; j++) {
                    slot[(d * local + e) * tMax + tokens[j]] = j;
                }
            }
        }
        final int t = (int) topkIdx.dim(0);
        final int k = (int) topkIdx.dim(1);
        final float[] acc = new float[h];
        final float[] v = new float[h];
        for (int i = 0; i < t; i++) {
            Arrays.fill(acc, 0f);
            for (int j = 0; j < k; j++) {
                final long e = topkIdx.getIntegral((long) i * k + j);
                if (e < 0) {
                    continue;
                }
                final int g = (int) e;
                final int at = slot[g * tMax + i];
                final int owner = g / local;
                if (at < 0) {
                    throw new InvalidInputException("rank " + me + ": topkIdx[" + i + "][" + j + "] = " + g
                        + " but rank " + owner + " holds no row of token " + i + " for its local expert " + g % local
                        + " (its dispatch did not receive it); pass the topkIdx given to the dispatch");
                }
                values(all[owner].blocks()[me][g % local], at, h, all[owner].useLogfmt(), v);
                final float w = weights.getFloat((long) i * k + j);
                for (int c = 0; c < h; c++) {
                    acc[c] = Math.fma(w, v[c], acc[c]);
                }
            }
            for (int c = 0; c < h; c++) {
                out.setShort((long) i * h + c, Bf16.fromFloat(acc[c]));
            }
        }
    }

    /** Decodes row {@code j} of a block into {@code v}. */
    private static void values(final LowLatencyCombineInput.Block block, final int j, final int h,
        final boolean logfmt, final float[] v) {
        final byte[] rows = block.rows();
        final int off = j * block.rowStride();
        if (logfmt) {
            LogFmt.decode(rows, off, h, v, 0);
            return;
        }
        for (int c = 0; c < h; c++) {
            final int lo = rows[off + 2 * c] & 0xFF;
            final int hi = rows[off + 2 * c + 1] & 0xFF;
            v[c] = Bf16.toFloat((short) (hi << 8 | lo));
        }
    }
}
