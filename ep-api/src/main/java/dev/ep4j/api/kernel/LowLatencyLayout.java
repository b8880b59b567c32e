package dev.ep4j.api.kernel;

import dev.ep4j.api.error.InvalidInputException;

/**
 * The low-latency RDMA buffer layout (semantics.md §2.4): two ping-pong buffers, each with a signalling region of
 * {@code E} ints, a send region and a receive region, in the physical order
 * {@code [SIG0][SIG1][SEND0][SEND1][RECV0][RECV1]}. Offsets are bytes from the buffer start.
 *
 * <p>Immutable and thread-safe.
 *
 * @param dispatchMessageBytes Md = 16 + max(2H, H + 4S): header plus BF16 or FP8+scales payload.
 * @param combineSlotBytes     Mc = 4S + 2H: LogFMT metadata plus BF16 payload.
 * @param sendBytes            one send region: max(T_max·Md, E·T_max·Mc).
 * @param recvBytes            one receive region: max(E·T_max·Md, E·T_max·Mc).
 * @param signalBytes          one signalling region: align_up(4E, 128).
 */
public record LowLatencyLayout(
    long dispatchMessageBytes, long combineSlotBytes, long sendBytes, long recvBytes, long signalBytes) {

    /**
     * @param maxTokens tokens per rank at most (T_max), &gt; 0.
     * @param hidden    hidden size in elements, a positive multiple of 128.
     * @param experts   total experts, &gt; 0.
     * @return the layout.
     * @throws InvalidInputException when an argument is out of range.
     */
    public static LowLatencyLayout of(final int maxTokens, final int hidden, final int experts) {
        if (maxTokens <= 0) {
            throw new InvalidInputException("maxTokens=" + maxTokens + " must be > 0");
        }
        if (hidden <= 0 || hidden % 128 != 0) {
            throw new InvalidInputException("hidden=" + hidden + " must be a positive multiple of 128");
        }
        if (experts <= 0) {
            throw new InvalidInputException("experts=" + experts + " must be > 0");
        }
        final long h = hidden;
        final long s = hidden / 128;
        final long md = 16 + Math.max(2 * h, h + 4 * s);
        final long mc = 4 * s + 2 * h;
        final long send = Math.max(maxTokens * md, (long) experts * maxTokens * mc);
        final long recv = Math.max((long) experts * maxTokens * md, (long) experts * maxTokens * mc);
        final long sig = BufferSizing.alignUp(4L * experts, BufferSizing.ALIGN);
        return new LowLatencyLayout(md, mc, send, recv, sig);
    }

    /**
     * @return bytes of both ping-pong buffers: 2·SEND + 2·RECV + 2·SIG.
     */
    public long totalBytes() {
        return 2 * sendBytes + 2 * recvBytes + 2 * signalBytes;
    }

    /**
     * @param buffer 0 or 1.
     * @return byte offset of that buffer's signalling ints.
     */
    public long signalOffset(final int buffer) {
        return check(buffer) * signalBytes;
    }

    /**
     * @param buffer 0 or 1.
     * @return byte offset of that buffer's send region.
     */
    public long sendOffset(final int buffer) {
        return 2 * signalBytes + check(buffer) * sendBytes;
    }

    /**
     * @param buffer 0 or 1.
     * @return byte offset of that buffer's receive region.
     */
    public long recvOffset(final int buffer) {
        return 2 * signalBytes + 2 * sendBytes + check(buffer) * recvBytes;
    }

    private static long check(final int buffer) {
        if (buffer != 0 && buffer != 1) {
            throw new IllegalArgumentException("buffer=" + buffer + " must be 0 or 1");
        }
        return buffer;
    }
}
