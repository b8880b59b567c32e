package dev.ep4j.sim.net;

import java.util.Arrays;

/**
 * An immutable, ordered list of distinct resources a flow crosses, made by {@link Network#path(int...)}. Build paths
 * once (per source, destination and channel) and reuse them: starting a flow on a path allocates nothing.
 *
 * <p>Thread safety: immutable.
 */
public final class Path {
    final Network owner;
    final int[] resources;
    final int[] rateLimited;

    Path(final Network owner, final int[] resources, final int[] rateLimited) {
        this.owner = owner;
        this.resources = resources;
        this.rateLimited = rateLimited;
    }

    /**
     * @return number of resources (hops), {@code >= 1}.
     */
    public int length() {
        return resources.length;
    }

    /**
     * @param hop index in {@code [0, length())}.
     * @return the resource id at that hop.
     */
    public int resource(final int hop) {
        return resources[hop];
    }

    /**
     * @return a copy of the resource ids in path order.
     */
    public int[] toArray() {
        return resources.clone();
    }

    /**
     * @param resource a resource id.
     * @return whether the path crosses it.
     */
    public boolean contains(final int resource) {
        for (final int r : resources) {
            if (r == resource) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        final StringBuilder sb = new StringBuilder("Path[");
        for (int i = 0; i < resources.length; i++) {
            if (i > 0) {
                sb.append(" -> ");
            }
            sb.append(owner.resourceName(resources[i]));
        }
        return sb.append(']').toString();
    }

    @Override
    public boolean equals(final Object o) {
        return o instanceof Path && ((Path) o).owner == owner && Arrays.equals(((Path) o).resources, resources);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(resources);
    }
}
