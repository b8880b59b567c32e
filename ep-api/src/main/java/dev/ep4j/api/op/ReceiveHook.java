package dev.ep4j.api.op;

/**
 * The receive phase of a two-phase low-latency call (semantics.md §6.6). Between the send phase and this call the
 * transfer proceeds without occupying SMs. Call it exactly once; the call's output tensors are valid after it
 * returns.
 */
@FunctionalInterface
public interface ReceiveHook {
    /**
     * Runs the receive phase and waits for it.
     *
     * @throws dev.ep4j.api.error.EpTimeoutException when a peer never delivers.
     */
    void receive();
}
