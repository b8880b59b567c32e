package dev.ep4j.api.config;

/**
 * An MoE communication shape ({@code "kind": "workload"}, {@code configs/workloads/<id>.json}): tokens per rank,
 * hidden size, experts, top-k, optional group-limited gating, kernel family and wire formats.
 *
 * <p>The canonical constructor validates every field and throws {@link dev.ep4j.api.error.ConfigException}
 * naming the field, the value and the allowed range.
 *
 * <p>Immutable and thread-safe.
 *
 * @param kind          always {@link ConfigKind#WORKLOAD}.
 * @param id            the file name without {@code .json}, e.g. {@code "deepseek-v3-prefill"}.
 * @param name          human-readable description.
 * @param model         the model the shape comes from, e.g. {@code "DeepSeek-V3"}.
 * @param source        where the shape comes from (model card, benchmark setting).
 * @param tokensPerRank tokens each rank dispatches, in {@code [1, 1048576]}.
 * @param hidden        hidden size in elements, in {@code [1, 131072]}; a multiple of 128 with FP8 dispatch or
 *                      LogFMT combine (one scale per 128 channels), otherwise of 8 (16-byte rows).
 * @param experts       routed experts in total, in {@code [1, 65536]}.
 * @param topK          experts each token selects, in {@code [1, min(experts, 32)]}.
 * @param numTopkGroups for group-limited gating: at most this many groups (nodes) per token, in {@code [1, 1024]};
 *                      {@code null} when the model does not limit groups.
 * @param mode          kernel family.
 * @param dispatchDtype wire format of dispatch.
 * @param combineDtype  wire format of combine; {@code logfmt10} only with {@code low-latency}.
 */
public record WorkloadConfig(
    ConfigKind kind,
    String id,
    String name,
    String model,
    String source,
    int tokensPerRank,
    int hidden,
    int experts,
    int topK,
    @NullAllowed Integer numTopkGroups,
    EpMode mode,
    DispatchDtype dispatchDtype,
    CombineDtype combineDtype) implements ConfigFile {

    /** DeepEP's limit on experts per token in the normal kernels (semantics.md §3). */
    public static final int MAX_TOP_K = 32;

    private static final String TYPE = "WorkloadConfig";

    /**
     * Validates every field.
     *
     * @param kind always {@link ConfigKind#WORKLOAD}.
     * @param id the file name without {@code .json}, e.g. {@code "deepseek-v3-prefill"}.
     * @param name human-readable description.
     * @param model the model the shape comes from, e.g. {@code "DeepSeek-V3"}.
     * @param source where the shape comes from (model card, benchmark setting).
     * @param tokensPerRank tokens each rank dispatches, in {@code [1, 1048576]}.
     * @param hidden hidden size in elements, in {@code [1, 131072]}; a multiple of 128 with FP8 dispatch or LogFMT
     *     combine (one scale per 128 channels), otherwise of 8 (16-byte rows).
     * @param experts routed experts in total, in {@code [1, 65536]}.
     * @param topK experts each token selects, in {@code [1, min(experts, 32)]}.
     * @param numTopkGroups for group-limited gating: at most this many groups (nodes) per token, in {@code [1, 1024]};
     *     {@code null} when the model does not limit groups.
     * @param mode kernel family.
     * @param dispatchDtype wire format of dispatch.
     * @param combineDtype wire format of combine; {@code logfmt10} only with {@code low-latency}.
     * @throws dev.ep4j.api.error.ConfigException naming the field, the value and the allowed range.
     */
    public WorkloadConfig {
        Check.kind(TYPE, ConfigKind.WORKLOAD, kind);
        Check.id(TYPE, "id", id);
        Check.text(TYPE, "name", name);
        Check.text(TYPE, "model", model);
        Check.text(TYPE, "source", source);
        Check.range(TYPE, "tokensPerRank", tokensPerRank, 1, 1 << 20);
        Check.range(TYPE, "hidden", hidden, 1, 1 << 17);
        Check.range(TYPE, "experts", experts, 1, 1 << 16);
        Check.range(TYPE, "topK", topK, 1, Math.min(experts, MAX_TOP_K));
        if (numTopkGroups != null) {
            Check.range(TYPE, "numTopkGroups", numTopkGroups, 1, 1024);
        }
        Check.notNull(TYPE, "mode", mode);
        Check.notNull(TYPE, "dispatchDtype", dispatchDtype);
        Check.notNull(TYPE, "combineDtype", combineDtype);
        final int multiple = dispatchDtype == DispatchDtype.FP8 || combineDtype == CombineDtype.LOGFMT10 ? 128 : 8;
        if (hidden % multiple != 0) {
            throw Check.fail(TYPE, "hidden", "hidden=" + hidden + " must be a multiple of " + multiple + " with"
                + " dispatchDtype=" + dispatchDtype + " and combineDtype=" + combineDtype);
        }
        if (combineDtype == CombineDtype.LOGFMT10 && mode != EpMode.LOW_LATENCY) {
            throw Check.fail(TYPE, "combineDtype", "combineDtype=logfmt10 is only supported with mode=low-latency;"
                + " use bf16 for mode=" + mode);
        }
    }
}
