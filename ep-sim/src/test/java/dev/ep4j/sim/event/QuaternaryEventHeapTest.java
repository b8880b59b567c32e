package dev.ep4j.sim.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class QuaternaryEventHeapTest {
    /** Key of the reference map: (time, tie) in order. */
    private record Key(long time, long tie) implements Comparable<Key> {
        @Override
        public int compareTo(final Key o) {
            final int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(tie, o.tie);
        }
    }

    @Test
    void shouldAgreeWithASortedReferenceUnderRandomAddRemoveUpdatePoll() {
        final SplittableRandom rnd = new SplittableRandom(11);
        final QuaternaryEventHeap heap = new QuaternaryEventHeap(1);
        final TreeMap<Key, Integer> ref = new TreeMap<>();
        final Map<Integer, Key> keyOf = new HashMap<>();
        long tie = 0;
        for (int step = 0; step < 300_000; step++) {
            final int op = rnd.nextInt(10);
            if (op < 4 || ref.isEmpty()) {
                int id = rnd.nextInt(5_000);
                while (keyOf.containsKey(id)) {
                    id = rnd.nextInt(5_000);
                }
                final Key k = new Key(rnd.nextLong(1_000), tie++);
                heap.add(id, k.time, k.tie);
                ref.put(k, id);
                keyOf.put(id, k);
            } else if (op < 6) {
                final Map.Entry<Key, Integer> min = ref.pollFirstEntry();
                keyOf.remove(min.getValue());
                assertThat(heap.minTime()).isEqualTo(min.getKey().time);
                assertThat(heap.minTie()).isEqualTo(min.getKey().tie);
                assertThat(heap.poll()).isEqualTo(min.getValue());
            } else if (op < 8) {
                final int id = anyId(rnd, ref);
                ref.remove(keyOf.remove(id));
                heap.remove(id);
                assertThat(heap.contains(id)).isFalse();
            } else {
                final int id = anyId(rnd, ref);
                ref.remove(keyOf.get(id));
                final Key k = new Key(rnd.nextLong(1_000), tie++);
                ref.put(k, id);
                keyOf.put(id, k);
                heap.update(id, k.time, k.tie);
                assertThat(heap.timeOf(id)).isEqualTo(k.time);
            }
            assertThat(heap.size()).isEqualTo(ref.size());
        }
        while (!ref.isEmpty()) {
            assertThat(heap.poll()).isEqualTo(ref.pollFirstEntry().getValue());
        }
        assertThat(heap.size()).isZero();
    }

    @Test
    void shouldRejectDoubleAddAndUnknownIds() {
        final QuaternaryEventHeap heap = new QuaternaryEventHeap();
        heap.add(3, 10L, 0L);
        assertThatThrownBy(() -> heap.add(3, 11L, 1L)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("id 3 is already queued");
        assertThatThrownBy(() -> heap.remove(4)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("id 4 is not queued");
        assertThat(heap.contains(-1)).isFalse();
    }

    private static int anyId(final SplittableRandom rnd, final TreeMap<Key, Integer> ref) {
        final int skip = rnd.nextInt(Math.min(ref.size(), 16));
        int i = 0;
        for (final Integer id : ref.values()) {
            if (i++ == skip) {
                return id;
            }
        }
        throw new AssertionError();
    }
}
