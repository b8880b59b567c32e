package dev.ep4j.sim.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One contract, every calendar: random add/remove/update/peek/poll against a sorted reference. */
class EventQueueContractTest {
    /** Key of the reference map: (time, tie) in order. */
    private record Key(long time, long tie) implements Comparable<Key> {
        @Override
        public int compareTo(final Key o) {
            final int c = Long.compare(time, o.time);
            return c != 0 ? c : Long.compare(tie, o.tie);
        }
    }

    static Stream<Arguments> queues() {
        return Stream.of(
            Arguments.of(Named.of("radix", (Supplier<EventQueue>) () -> new RadixEventQueue(1))),
            Arguments.of(Named.of("4-ary heap", (Supplier<EventQueue>) () -> new QuaternaryEventHeap(1))));
    }

    @ParameterizedTest
    @MethodSource("queues")
    @Timeout(120)
    void shouldAgreeWithASortedReferenceUnderRandomOperations(final Supplier<EventQueue> factory) {
        for (final long span : new long[] {4, 1_000, 1L << 40}) {
            runRandom(factory.get(), span, new SplittableRandom(span));
        }
    }

    private static void runRandom(final EventQueue q, final long span, final SplittableRandom rnd) {
        final TreeMap<Key, Integer> ref = new TreeMap<>();
        final Map<Integer, Key> keyOf = new HashMap<>();
        long tie = 0;
        long lastPolled = 0;
        for (int step = 0; step < 200_000; step++) {
            final int op = rnd.nextInt(12);
            if ((op < 5 && ref.size() < 2_000) || ref.isEmpty()) {
                int id = rnd.nextInt(4_000);
                while (keyOf.containsKey(id)) {
                    id = rnd.nextInt(4_000);
                }
                final Key k = new Key(lastPolled + (rnd.nextInt(5) == 0 ? 0 : rnd.nextLong(span)), tie++);
                q.add(id, k.time, k.tie);
                ref.put(k, id);
                keyOf.put(id, k);
            } else if (op < 7) {
                final Map.Entry<Key, Integer> min = ref.pollFirstEntry();
                keyOf.remove(min.getValue());
                assertThat(q.minTime()).isEqualTo(min.getKey().time);
                assertThat(q.minId()).isEqualTo(min.getValue());
                assertThat(q.poll()).isEqualTo(min.getValue());
                lastPolled = min.getKey().time;
            } else if (op < 8 && ref.size() < 2_000) {
                // Peek without polling, then add at the last polled time (a runUntil horizon, then scheduling now).
                final Map.Entry<Key, Integer> min = ref.firstEntry();
                assertThat(q.minTime()).isEqualTo(min.getKey().time);
                int id = rnd.nextInt(4_000);
                while (keyOf.containsKey(id)) {
                    id = rnd.nextInt(4_000);
                }
                final Key k = new Key(lastPolled, tie++);
                q.add(id, k.time, k.tie);
                ref.put(k, id);
                keyOf.put(id, k);
                assertThat(q.minId()).isEqualTo(ref.firstEntry().getValue());
            } else if (op < 10 || op == 7) {
                final int id = anyId(rnd, ref);
                ref.remove(keyOf.remove(id));
                q.remove(id);
                assertThat(q.contains(id)).isFalse();
            } else {
                final int id = anyId(rnd, ref);
                ref.remove(keyOf.get(id));
                final Key k = new Key(lastPolled + rnd.nextLong(span), tie++);
                ref.put(k, id);
                keyOf.put(id, k);
                q.update(id, k.time, k.tie);
                assertThat(q.timeOf(id)).isEqualTo(k.time);
            }
            assertThat(q.size()).isEqualTo(ref.size());
        }
        while (!ref.isEmpty()) {
            final Map.Entry<Key, Integer> min = ref.pollFirstEntry();
            assertThat(q.minTime()).isEqualTo(min.getKey().time);
            assertThat(q.poll()).isEqualTo(min.getValue());
        }
        assertThat(q.size()).isZero();
    }

    @ParameterizedTest
    @MethodSource("queues")
    void shouldRejectDoubleAddAndUnknownIds(final Supplier<EventQueue> factory) {
        final EventQueue q = factory.get();
        q.add(3, 10L, 0L);
        assertThatThrownBy(() -> q.add(3, 11L, 1L)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("id 3 is already queued");
        assertThatThrownBy(() -> q.remove(4)).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("id 4 is not queued");
        assertThat(q.contains(-1)).isFalse();
        assertThat(q.contains(1_000)).isFalse();
    }

    @ParameterizedTest
    @MethodSource("queues")
    void shouldHandleTimesAcrossTheWholeLongRange(final Supplier<EventQueue> factory) {
        final EventQueue q = factory.get();
        final long[] times = {Long.MAX_VALUE, 0, 1, Long.MAX_VALUE - 1, 1L << 62, 3, (1L << 62) + 1, 2};
        for (int i = 0; i < times.length; i++) {
            q.add(i, times[i], i);
        }
        final long[] sorted = times.clone();
        java.util.Arrays.sort(sorted);
        for (final long t : sorted) {
            assertThat(q.minTime()).isEqualTo(t);
            q.poll();
        }
    }

    @org.junit.jupiter.api.Test
    void radixShouldRefuseTimesBeforeTheLastPolledOne() {
        final RadixEventQueue q = new RadixEventQueue();
        q.add(0, 100L, 0L);
        q.poll();
        assertThatThrownBy(() -> q.add(1, 99L, 1L)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("before the last polled time 100");
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
