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
public final class RankTensors implements AutoCloseable {
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
     * SHA-256 of every host tensor's bytes, by name (for determinism checks without keeping two runs in memory).
     *
     * @return name to hex digest, in production order.
     */
    public Map<String, String> digests() {
        final Map<String, String> out = new LinkedHashMap<>();
        for (final Map.Entry<String, Tensor> e : tensors.entrySet()) {
            final HostTensor h = e.getValue().hostView();
            if (h == null) {
                continue;
            }
            try {
                final java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
                final java.nio.ByteBuffer b = h.buffer().duplicate();
                b.clear();
                md.update(b);
                md.update(java.util.Arrays.toString(h.shape()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.put(e.getKey(), java.util.HexFormat.of().formatHex(md.digest()));
            } catch (final java.security.NoSuchAlgorithmException ex) {
                throw new IllegalStateException("SHA-256 unavailable", ex);
            }
        }
        return out;
    }

    /**
     * Releases every tensor this rank holds.
     */
    @Override
    public void close() {
        for (final Tensor t : tensors.values()) {
            if (t instanceof HostTensor) {
                ((HostTensor) t).close();
            }
        }
    }

    /**
     * @return every tensor by name, in the order produced.
     */
    public Map<String, Tensor> all() {
        return Collections.unmodifiableMap(tensors);
    }
}
