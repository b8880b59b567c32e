package dev.ep4j.api;

/**
 * Whether a backend can be opened here, and if not, why and what to do.
 *
 * @param available true when {@link BackendProvider#open} can succeed.
 * @param reason    empty when available; otherwise the cause and the fix.
 */
public record Availability(boolean available, String reason) {
    /**
     * @return an "available" answer.
     */
    public static Availability yes() {
        return new Availability(true, "");
    }

    /**
     * @param reason the cause and the fix.
     * @return a "not available" answer.
     */
    public static Availability no(final String reason) {
        return new Availability(false, reason);
    }
}
