package dev.ep4j.sim.exec;

/**
 * What one rank publishes for a low-latency combine: its combine send area, i.e. for every destination rank d and
 * local expert e the rows of the packed block {@code layoutRange[e][d]} of its dispatch handle, each tagged with the
 * destination token it belongs to ({@code srcInfo}). Built by {@link LowLatencyCombine#send}.
 *
 * <p>The arrays are owned by this record and never modified after construction; receivers only read them, so the
 * record is safe to share between rank threads.
 *
 * @param rank             the sending rank (the expert owner).
 * @param maxTokensPerRank T_max of the handle.
 * @param hidden           H of the handle.
 * @param numExperts       E of the handle.
 * @param useLogfmt        rows are LogFMT-10 encoded (else raw BF16).
 * @param blocks           {@code [R][E_loc]}: the block for destination d and local expert e.
 */
public record LowLatencyCombineInput(
    int rank, int maxTokensPerRank, int hidden, int numExperts, boolean useLogfmt, Block[][] blocks) {

    /**
     * The rows one expert sends to one destination rank, in packed order.
     *
     * @param tokens    destination token index of each row ({@code srcInfo} of the packed row).
     * @param rows      {@code tokens.length * rowStride} bytes: little-endian BF16 bits ({@code rowStride = 2H}) or
     *                  one LogFMT-10 encoding per row, each starting at a multiple of {@code rowStride =
     *                  LogFmt.maxBytes(H)}.
     * @param rowStride bytes between consecutive rows.
     */
    public record Block(int[] tokens, byte[] rows, int rowStride) {
    }
}
