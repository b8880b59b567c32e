package dev.ep4j.sim.exec;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.math.Bf16;
import dev.ep4j.api.op.CombineResult;
import dev.ep4j.api.op.OpStats;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.ShapeTensor;
import dev.ep4j.api.topology.Topology;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;

/**
 * The reduction of a normal combine for one rank (the original token owner), in the exact float32 order of
 * docs/semantics.md "Normal combine":
 * <ul>
 *   <li>intranode: {@code acc = 0; acc += bias0; acc += bias1; for r ascending that got t: acc += x_r[row]};
 *       one rounding to BF16;</li>
 *   <li>internode: per node j ascending, {@code p_j = bf16(sum over its ranks m ascending of x_(j,m)[row])}
 *       (DeepEP's forwarder reduction), then {@code acc = 0 + bias0 + bias1 + sum over j ascending of p_j},
 *       one final rounding; weights: per-node float partials, then summed over nodes.</li>
 * </ul>
 * The row of (me, t) on rank d is P[me-1][d] + (exclusive channel prefix of my tokens to d) + (t's stream position).
 * Stateless.
 */
public final class NormalCombine {
    private NormalCombine() {
    }

    /**
     * @param me       the original owner rank.
     * @param inputs   every rank's input, by rank.
     * @param topology the group.
     * @return this rank's combined tokens.
     */
    public static CombineResult reduce(final int me, final CombineInput[] inputs, final Topology topology) {
        final int r = topology.ranks();
        final int g = topology.gpusPerNode();
        final int nodes = topology.nodes();
        final CombineInput mine = inputs[me];
        final SenderRoutes routes = mine.routes();
        final int t = routes.tokens();
        final int h = (int) mine.x().dim(1);
        for (int d = 0; d < r; d++) {
            if (inputs[d].x().dim(1) != h) {
                throw new InvalidInputException("rank " + d + " combines hidden " + inputs[d].x().dim(1)
                    + " but rank " + me + " hidden " + h + "; every rank must pass the same hidden size");
            }
        }
        final boolean withWeights = mine.weights() != null;
        final int k = withWeights ? (int) mine.weights().dim(1) : 0;
        final int[] offset = new int[r];
        for (int s = 0; s < me; s++) {
            for (int d = 0; d < r; d++) {
                offset[d] += inputs[s].routes().countTo(d);
            }
        }
        final boolean payload = mine.x().hostView() != null;
        final ShortBuffer[] xs = new ShortBuffer[r];
        final FloatBuffer[] ws = new FloatBuffer[r];
        for (int d = 0; d < r; d++) {
            if (payload != (inputs[d].x().hostView() != null)) {
                throw new InvalidInputException("rank " + d + " combines " + (payload ? "without" : "with")
                    + " payload but rank " + me + (payload ? " with" : " without") + "; every rank must agree");
            }
            xs[d] = payload ? inputs[d].x().hostView().buffer().asShortBuffer() : null;
            if (withWeights) {
                if (inputs[d].weights() == null || inputs[d].weights().dim(1) != k) {
                    throw new InvalidInputException("rank " + me + " combines " + k + " weight columns but rank "
                        + d + " passes " + (inputs[d].weights() == null ? "no weights" : inputs[d].weights().dim(1))
                        + "; every rank must pass weights of the same width, or none");
                }
                ws[d] = inputs[d].weights().buffer().asFloatBuffer();
            }
        }
        final ShortBuffer b0 = mine.bias0() == null ? null : mine.bias0().buffer().asShortBuffer();
        final ShortBuffer b1 = mine.bias1() == null ? null : mine.bias1().buffer().asShortBuffer();
        final HostTensor out = payload ? HostTensor.zeros(DType.BF16, t, h) : null;
        final ShortBuffer ob = payload ? out.buffer().asShortBuffer() : null;
        final HostTensor outW = withWeights ? HostTensor.zeros(DType.FLOAT32, t, k) : null;
        final int hData = payload ? h : 0;
        final float[] acc = new float[hData];
        final float[] part = new float[hData];
        final float[] wacc = new float[k];
        final float[] wpart = new float[k];
        final int[] row = new int[r];
        final short[] bits = new short[hData];
        for (int tok = 0; tok < t; tok++) {
            final int c = routes.channelOf(tok);
            for (int d = 0; d < r; d++) {
                final int pos = routes.rankPos(tok, d);
                row[d] = pos < 0 ? -1 : offset[d] + routes.rankPrefix(d, c - 1) + pos;
            }
            Arrays.fill(acc, 0f);
            Arrays.fill(wacc, 0f);
            final int base = tok * h;
            if (b0 != null && payload) {
                for (int i = 0; i < h; i++) {
                    acc[i] += Bf16.toFloat(b0.get(base + i));
                }
            }
            if (b1 != null && payload) {
                for (int i = 0; i < h; i++) {
                    acc[i] += Bf16.toFloat(b1.get(base + i));
                }
            }
            if (nodes == 1) {
                for (int d = 0; d < r; d++) {
                    if (row[d] >= 0) {
                        addRow(acc, xs[d], row[d] * h, bits);
                        if (withWeights) {
                            addWeights(wacc, ws[d], row[d] * k, k);
                        }
                    }
                }
            } else {
                for (int j = 0; j < nodes; j++) {
                    boolean any = false;
                    Arrays.fill(part, 0f);
                    Arrays.fill(wpart, 0f);
                    for (int m = 0; m < g; m++) {
                        final int d = j * g + m;
                        if (row[d] >= 0) {
                            any = true;
                            addRow(part, xs[d], row[d] * h, bits);
                            if (withWeights) {
                                addWeights(wpart, ws[d], row[d] * k, k);
                            }
                        }
                    }
                    if (any) {
                        for (int i = 0; i < hData; i++) {
                            acc[i] += Bf16.toFloat(Bf16.fromFloat(part[i]));
                        }
                        for (int i = 0; i < k; i++) {
                            wacc[i] += wpart[i];
                        }
                    }
                }
            }
            if (payload) {
                Bf16.fromFloat(acc, 0, bits, 0, hData);
                ob.put(base, bits);
            }
            for (int i = 0; i < k; i++) {
                outW.setFloat((long) tok * k + i, wacc[i]);
            }
        }
        return new CombineResult(payload ? out : ShapeTensor.of(DType.BF16, t, h), outW, OpStats.untimed("combine"));
    }

    /** acc[i] += float(x[at + i]) for the whole row; reads the row in one bulk copy into {@code bits}. */
    private static void addRow(final float[] acc, final ShortBuffer x, final int at, final short[] bits) {
        x.get(at, bits);
        for (int i = 0; i < bits.length; i++) {
            acc[i] += Float.intBitsToFloat(bits[i] << 16);
        }
    }

    private static void addWeights(final float[] acc, final FloatBuffer w, final int at, final int k) {
        for (int i = 0; i < k; i++) {
            acc[i] += w.get(at + i);
        }
    }
}
