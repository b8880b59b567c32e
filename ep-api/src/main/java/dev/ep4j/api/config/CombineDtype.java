package dev.ep4j.api.config;

/**
 * The wire format of combined (returned) expert outputs.
 *
 * <p>Immutable and thread-safe.
 */
public enum CombineDtype {
    /** bfloat16 values: {@code 2 * H} bytes per token. */
    BF16("bf16"),
    /** LogFMT-10 (low-latency combine only): {@code 10 * H / 8 + 4 * H / 128} bytes per token. */
    LOGFMT10("logfmt10");

    private final String jsonName;

    CombineDtype(final String jsonName) {
        this.jsonName = jsonName;
    }

    /**
     * @return the value written in config files, e.g. {@code "logfmt10"}.
     */
    @Override
    public String toString() {
        return jsonName;
    }
}
