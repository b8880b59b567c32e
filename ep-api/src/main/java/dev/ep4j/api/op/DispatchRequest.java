package dev.ep4j.api.op;

import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.tensor.Tensor;

/**
 * Arguments of a normal-mode {@code dispatch} (semantics.md §1.3). Build with {@link #builder(Tensor)}.
 *
 * <p>Two forms: a fresh dispatch (layout given, top-k optional), or a cached dispatch (a previous handle given, no
 * top-k, no layout) that re-sends new data with the identical layout.
 *
 * @param x               BF16 [T, H], or FP8_E4M3 [T, H] with {@code xScales}.
 * @param xScales         FP8 scales: FLOAT32 [T, H/128], or INT32 [T, H/512] packed UE8M0; null for BF16.
 * @param topkIdx         INT64 or INT32 [T, K], expert ids in [-1, E); null for a dispatch without top-k.
 * @param topkWeights     FLOAT32 [T, K]; given exactly when {@code topkIdx} is.
 * @param layout          the result of {@code dispatchLayout} for the same routing; null for cached dispatch.
 * @param cachedHandle    the handle of an earlier dispatch to repeat; null for a fresh dispatch.
 * @param expertAlignment per-local-expert receive counts are rounded up to a multiple of this (&gt;= 1).
 * @param numWorstTokens  when &gt; 0: allocate this many output rows, pad with -1, and skip the host wait (CUDA-graph
 *                        capturable); 0: exact allocation after a host sync.
 * @param config          kernel config; null takes DeepEP's default dispatch config for the rank count.
 */
public record DispatchRequest(
    Tensor x, Tensor xScales, Tensor topkIdx, Tensor topkWeights, DispatchLayoutResult layout,
    DispatchHandle cachedHandle, int expertAlignment, int numWorstTokens, KernelConfig config) {

    /**
     * @param x the tokens to send.
     * @return a builder with expert alignment 1, no worst-case allocation and the default config.
     */
    public static Builder builder(final Tensor x) {
        return new Builder(x);
    }

    /**
     * @return true for a cached-handle dispatch.
     */
    public boolean isCached() {
        return cachedHandle != null;
    }

    /** Fluent builder; not thread-safe. */
    public static final class Builder {
        private final Tensor x;
        private Tensor xScales;
        private Tensor topkIdx;
        private Tensor topkWeights;
        private DispatchLayoutResult layout;
        private DispatchHandle cachedHandle;
        private int expertAlignment = 1;
        private int numWorstTokens;
        private KernelConfig config;

        private Builder(final Tensor x) {
            this.x = x;
        }

        /**
         * @param scales FP8 scales (FLOAT32 [T, H/128] or INT32 [T, H/512]).
         * @return this.
         */
        public Builder scales(final Tensor scales) {
            this.xScales = scales;
            return this;
        }

        /**
         * @param idx     top-k expert ids [T, K].
         * @param weights top-k weights FLOAT32 [T, K].
         * @return this.
         */
        public Builder topk(final Tensor idx, final Tensor weights) {
            this.topkIdx = idx;
            this.topkWeights = weights;
            return this;
        }

        /**
         * @param layout result of {@code dispatchLayout}.
         * @return this.
         */
        public Builder layout(final DispatchLayoutResult layout) {
            this.layout = layout;
            return this;
        }

        /**
         * @param handle handle of the dispatch to repeat.
         * @return this.
         */
        public Builder cached(final DispatchHandle handle) {
            this.cachedHandle = handle;
            return this;
        }

        /**
         * @param alignment per-expert count alignment, &gt;= 1.
         * @return this.
         */
        public Builder expertAlignment(final int alignment) {
            this.expertAlignment = alignment;
            return this;
        }

        /**
         * @param rows output rows for worst-case allocation (0 = exact).
         * @return this.
         */
        public Builder numWorstTokens(final int rows) {
            this.numWorstTokens = rows;
            return this;
        }

        /**
         * @param config kernel config, or null for the default.
         * @return this.
         */
        public Builder config(final KernelConfig config) {
            this.config = config;
            return this;
        }

        /**
         * @return the request (validated later, by the buffer, before any work).
         */
        public DispatchRequest build() {
            return new DispatchRequest(x, xScales, topkIdx, topkWeights, layout, cachedHandle, expertAlignment,
                numWorstTokens, config);
        }
    }
}
