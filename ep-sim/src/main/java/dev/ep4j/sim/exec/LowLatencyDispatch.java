package dev.ep4j.sim.exec;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.math.Fp8Quantizer;
import dev.ep4j.api.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.Objects;

/**
 * The functional low-latency dispatch (docs/semantics.md "Low-latency"; spec §6.3–6.4), split like DeepEP's kernel
 * into a send phase ({@link #send}, on the sending rank: cast every token once, group tokens by destination
 * expert) and a receive phase ({@link #receive}, on the receiving rank: pack every source's messages).
 *
 * <p>Packed order (ep4j's deterministic mode): in local expert e of rank me, the messages from source rank s form
 * one block; blocks by s ascending; inside a block, the source's tokens t ascending that select global expert
 * {@code me * E_loc + e} (−1 entries select nothing). Block s starts at row {@code begin = sum of the counts of
 * sources < s}; {@code layoutRange[e][s] = (begin << 32) | count}; {@code recvCount[e] = sum of counts}. Row
 * {@code begin + j} holds the j-th token t of the block: the cast payload of t, its scales (at
 * {@code scales[e][g][row]}, token-contiguous) and {@code srcInfo[e][row] = t}. Rows at or past
 * {@code recvCount[e]} keep x 0, scales 0 and get {@code srcInfo = -1}.
 *
 * <p>FP8 cast: {@link Fp8Quantizer#quantizeRow} (or {@link Fp8Quantizer#quantizeRowUe8m0}) on the token's BF16 row,
 * done once per token on the sender, whatever the number of receivers. BF16: the bits are copied.
 *
 * <p>Stateless and thread-safe.
 */
public final class LowLatencyDispatch {
    private LowLatencyDispatch() {
    }

    /**
     * The send phase: casts every token of the sender and lists, per global expert, the tokens that select it.
     * Reads {@code x} and {@code topkIdx} now; the result does not alias them.
     *
     * @param rank             the sending rank.
     * @param x                BF16 {@code [T, H]}.
     * @param topkIdx          INT64 or INT32 {@code [T, K]}, ids in [-1, E), validated.
     * @param maxTokensPerRank T_max.
     * @param numExperts       E.
     * @param useFp8           cast to FP8.
     * @param roundScale       power-of-two scales.
     * @param useUe8m0         packed UE8M0 scales.
     * @return what the rank publishes.
     */
    public static LowLatencyDispatchInput send(final int rank, final HostTensor x, final HostTensor topkIdx,
        final int maxTokensPerRank, final int numExperts, final boolean useFp8, final boolean roundScale,
        final boolean useUe8m0) {
        Objects.requireNonNull(x, "x");
        Objects.requireNonNull(topkIdx, "topkIdx");
        final int t = (int) x.dim(0);
        final int h = (int) x.dim(1);
        final int k = (int) topkIdx.dim(1);
        final int rowBytes = useFp8 ? h : 2 * h;
        final byte[] payload = new byte[t * rowBytes];
        final int words = !useFp8 ? 0 : useUe8m0 ? h / Fp8Quantizer.UE8M0_PACK : h / Fp8Quantizer.GROUP;
        final int[] scaleWords = new int[t * words];
        if (useFp8) {
            final ShortBuffer src = x.buffer().duplicate().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
            final short[] row = new short[h];
            final float[] inv = new float[words];
            for (int i = 0; i < t; i++) {
                src.get(i * h, row, 0, h);
                if (useUe8m0) {
                    Fp8Quantizer.quantizeRowUe8m0(row, 0, h, payload, i * h, scaleWords, i * words);
                } else {
                    Fp8Quantizer.quantizeRow(row, 0, h, roundScale, payload, i * h, inv, 0);
                    for (int g = 0; g < words; g++) {
                        scaleWords[i * words + g] = Float.floatToRawIntBits(inv[g]);
                    }
                }
            }
        } else {
            x.buffer().get(0, payload, 0, payload.length);
        }
        return new LowLatencyDispatchInput(rank, maxTokensPerRank, h, numExperts, k, useFp8, roundScale, useUe8m0,
            t, payload, scaleWords, tokensByExpert(topkIdx, t, k, numExperts));
    }

    /** For each global expert, the tokens selecting it, ascending (a token selects an expert at most once). */
    private static int[][] tokensByExpert(final HostTensor topkIdx, final int t, final int k, final int experts) {
        final int[] count = new int[experts];
        for (long i = 0; i < (long) t * k; i++) {
            final long e = topkIdx.getIntegral(i);
            if (e >= 0) {
                count[(int) e]++;
            }
        }
        final int[][] out = new int[experts][];
        for (int e = 0; e < experts; e++) {
            out[e] = new int[count[e]];
            count[e] = 0;
        }
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < k; j++) {
                final long e = topkIdx.getIntegral((long) i * k + j);
                if (e >= 0) {
                    out[(int) e][count[(int) e]++] = i;
                }
            }
        }
        return out;
    }

    /**
     * Checks that every rank passed the same T_max, H, E, K and cast options; on disagreement every rank fails
     * with the same message (all compare against rank 0).
     *
     * @param all every rank's input, by rank.
     * @throws InvalidInputException naming the first disagreeing rank and value.
     */
    public static void checkAgreement(final LowLatencyDispatchInput[] all) {
        final LowLatencyDispatchInput a = all[0];
        for (int r = 1; r < all.length; r++) {
            final LowLatencyDispatchInput b = all[r];
            same(r, "maxTokensPerRank", a.maxTokensPerRank(), b.maxTokensPerRank());
            same(r, "hidden size", a.hidden(), b.hidden());
            same(r, "numExperts", a.numExperts(), b.numExperts());
            same(r, "top-k width", a.topK(), b.topK());
            same(r, "useFp8", a.useFp8(), b.useFp8());
            same(r, "roundScale", a.roundScale(), b.roundScale());
            same(r, "useUe8m0", a.useUe8m0(), b.useUe8m0());
        }
    }

    static void same(final int r, final String what, final Object rank0, final Object rankR) {
        if (!Objects.equals(rank0, rankR)) {
            throw new InvalidInputException("ranks disagree on " + what + ": rank 0 passed " + rank0 + ", rank " + r
                + " passed " + rankR + "; every rank must make the low-latency call with matching arguments");
        }
    }

    /**
     * The receive phase of rank {@code me}: fills {@code out} from every rank's send area in the packed order of
     * the class comment, and adds {@code recvCount[e]} to {@code cumulativeStats[e]} when given.
     *
     * @param me              the receiving rank.
     * @param all             every rank's input, by rank (agreement already checked).
     * @param out             zero-filled outputs of {@link LowLatencyDispatchOutput#allocate}.
     * @param cumulativeStats INT32 {@code [E_loc]} updated in place, or null.
     */
    public static void receive(final int me, final LowLatencyDispatchInput[] all, final LowLatencyDispatchOutput out,
        final HostTensor cumulativeStats) {
        final LowLatencyDispatchInput mine = all[me];
        final int ranks = all.length;
        final int local = mine.numExperts() / ranks;
        final int rows = ranks * mine.maxTokensPerRank();
        final int rowBytes = mine.rowBytes();
        final int words = mine.scaleWordsPerToken();
        final ByteBuffer x = out.recvX().buffer();
        final ByteBuffer scales = out.recvScales() == null ? null : out.recvScales().buffer();
        for (int e = 0; e < local; e++) {
            final int expert = me * local + e;
            int begin = 0;
            for (int s = 0; s < ranks; s++) {
                final LowLatencyDispatchInput src = all[s];
                final int[] tokens = src.tokensByExpert()[expert];
                final int n = tokens.length;
                out.layoutRange().setLong((long) e * ranks + s, (long) begin << 32 | n);
                for (int j = 0; j < n; j++) {
                    final int t = tokens[j];
                    final int row = begin + j;
                    x.put((e * rows + row) * rowBytes, src.payload(), t * rowBytes, rowBytes);
                    for (int g = 0; g < words; g++) {
                        // Raw 32-bit words: float bits or packed UE8M0, copied unchanged.
                        scales.putInt(((e * words + g) * rows + row) * 4, src.scaleWords()[t * words + g]);
                    }
                    out.srcInfo().setInt((long) e * rows + row, t);
                }
                begin += n;
            }
            out.recvCount().setInt(e, begin);
            for (int row = begin; row < rows; row++) {
                out.srcInfo().setInt((long) e * rows + row, -1);
            }
            if (cumulativeStats != null) {
                cumulativeStats.setInt(e, cumulativeStats.getInt(e) + begin);
            }
        }
    }
}
