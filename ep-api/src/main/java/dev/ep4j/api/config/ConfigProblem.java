package dev.ep4j.api.config;

import java.nio.file.Path;

/**
 * One thing wrong with a config file, as reported by {@link Configs#check} and {@link Configs#checkTree}.
 *
 * <p>The canonical constructor throws {@link NullPointerException} when a component is null.
 *
 * <p>Immutable and thread-safe.
 *
 * @param file     the file, as given to the check.
 * @param jsonPath where in the file, e.g. {@code $.nvSwitch.aggregateBandwidthGBps} or {@code $.epSizes[2]};
 *                 {@code $} for the whole file.
 * @param reason   what is wrong, with the value, what is allowed and, where there is one, the fix.
 */
public record ConfigProblem(Path file, String jsonPath, String reason) {

    /**
     * Checks that no component is null.
     *
     * @param file the file, as given to the check.
     * @param jsonPath where in the file, e.g. {@code $.nvSwitch.aggregateBandwidthGBps} or {@code $.epSizes[2]};
     *     {@code $} for the whole file.
     * @param reason what is wrong, with the value, what is allowed and, where there is one, the fix.
     * @throws NullPointerException when a component is null.
     */
    public ConfigProblem {
        if (file == null || jsonPath == null || reason == null) {
            throw new NullPointerException("file, jsonPath and reason are required: " + file + ", " + jsonPath + ", "
                + reason);
        }
    }

    /**
     * @return {@code "<file>: <jsonPath>: <reason>"}.
     */
    @Override
    public String toString() {
        return file + ": " + jsonPath + ": " + reason;
    }
}
