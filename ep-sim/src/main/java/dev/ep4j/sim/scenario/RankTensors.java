package dev.ep4j.sim.scenario;

import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One rank's named inputs and outputs of a scenario run, in insertion order, under DeepEP's reference names
 * ({@code x}, {@code topk_idx}, {@code recv_x}, ...). Not thread-safe; filled by the rank's own thread.
 */
public final class RankTensors {
    private final int rank;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();

    RankTensors(final int rank) {
        this.rank = rank;
    }

    /**
     * @return the rank.
     */
    public int rank() {
        return rank;
    }

    void put(final String name, final Tensor t) {
        if (t != null) {
            tensors.put(name, t);
        }
    }

    /**
     * @param name a reference name.
     * @return the tensor, or null when the run did not produce it.
     */
    public Tensor get(final String name) {
        return tensors.get(name);
    }

    /**
     * @param name a reference name.
     * @return the host tensor.
     * @throws IllegalStateException when absent or without content.
     */
    public HostTensor host(final String name) {
        final Tensor t = tensors.get(name);
        if (t == null || t.hostView() == null) {
            throw new IllegalStateException("rank " + rank + " has no host tensor '" + name + "'");
        }
        return t.hostView();
    }

    /**
     * @return every tensor by name, in the order produced.
     */
    public Map<String, Tensor> all() {
        return Collections.unmodifiableMap(tensors);
    }
}
