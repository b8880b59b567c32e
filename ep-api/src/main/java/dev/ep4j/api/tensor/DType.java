package dev.ep4j.api.tensor;

/**
 * Element types of {@link HostTensor}s. BF16 and FP8 are stored as their raw bits (2 bytes and 1 byte); the
 * reference math in {@code dev.ep4j.api.math} converts them.
 */
public enum DType {
    /** bfloat16, raw bits in a little-endian {@code short}. */
    BF16(2, "<u2"),
    /** float8 e4m3fn (finite-only, max 448), raw bits in a byte. */
    FP8_E4M3(1, "|u1"),
    /** IEEE binary32. */
    FLOAT32(4, "<f4"),
    /** IEEE binary64. */
    FLOAT64(8, "<f8"),
    /** signed 8-bit integer. */
    INT8(1, "|i1"),
    /** unsigned 8-bit integer (raw bytes, e.g. SourceMeta records). */
    UINT8(1, "|u1"),
    /** signed 16-bit integer. */
    INT16(2, "<i2"),
    /** signed 32-bit integer (counts, indices, packed UE8M0 scales). */
    INT32(4, "<i4"),
    /** signed 64-bit integer (top-k indices, LL layout ranges). */
    INT64(8, "<i8"),
    /** boolean, one byte, 0 or 1. */
    BOOL(1, "|b1");

    private final int byteSize;
    private final String npyDescr;

    DType(final int byteSize, final String npyDescr) {
        this.byteSize = byteSize;
        this.npyDescr = npyDescr;
    }

    /**
     * @return bytes per element.
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * @return the NumPy {@code descr} this type is written as. BF16 is written as {@code <u2} and FP8 as
     *     {@code |u1} (raw bits): NumPy has no native types for them; view them with {@code ml_dtypes}.
     */
    public String npyDescr() {
        return npyDescr;
    }
}
