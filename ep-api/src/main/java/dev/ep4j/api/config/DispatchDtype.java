package dev.ep4j.api.config;

/**
 * The wire format of dispatched tokens.
 *
 * <p>Immutable and thread-safe.
 */
public enum DispatchDtype {
    /** FP8 e4m3 values plus one float32 scale per 128 channels: {@code H + 4 * H / 128} bytes per token. */
    FP8("fp8"),
    /** bfloat16 values: {@code 2 * H} bytes per token. */
    BF16("bf16");

    private final String jsonName;

    DispatchDtype(final String jsonName) {
        this.jsonName = jsonName;
    }

    /**
     * @return the value written in config files, e.g. {@code "fp8"}.
     */
    @Override
    public String toString() {
        return jsonName;
    }
}
