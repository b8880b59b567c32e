package dev.ep4j.api.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.tensor.DType;
import dev.ep4j.api.tensor.HostTensor;
import dev.ep4j.api.topology.Topology;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RoutingTraceTest {
    private static final Topology TOPOLOGY = new Topology(2, 2);

    /** Keeps "files" in memory; the integration wires {@link TraceStore} to the npy codec. */
    private static final class MemoryStore implements TraceStore {
        private final Map<Path, HostTensor> files = new HashMap<>();

        @Override
        public HostTensor read(final Path file) throws IOException {
            final HostTensor tensor = files.get(file);
            if (tensor == null) {
                throw new NoSuchFileException(file.toString());
            }
            return tensor.copy();
        }

        @Override
        public void write(final Path file, final HostTensor tensor) {
            files.put(file, tensor.copy());
        }
    }

    @Test
    void shouldReplayRecordedGeneratorRankByRank() throws IOException {
        final RoutingSpec spec = RoutingSpec.groupLimited(12, 1).withMaskedEntries(4);
        final RoutingTrace recorded = RoutingTrace.record(spec, 20, 16, 3, TOPOLOGY);
        final MemoryStore store = new MemoryStore();
        recorded.save(Path.of("trace.npy"), store);

        final RoutingTrace loaded = RoutingTrace.load(Path.of("trace.npy"), 16, store);

        assertThat(loaded.isPerRank()).isTrue();
        assertThat(loaded.ranks()).isEqualTo(4);
        assertThat(loaded.tokens()).isEqualTo(20);
        assertThat(loaded.topK()).isEqualTo(3);
        assertThat(loaded.source()).isEqualTo("trace.npy");
        assertThat(loaded.tensor().contentEquals(recorded.tensor())).isTrue();
        for (int rank = 0; rank < 4; rank++) {
            final HostTensor expected = Routing.generate(spec, rank, 20, 16, 3, TOPOLOGY).topkIdx();
            assertThat(loaded.replay(rank, TOPOLOGY).contentEquals(expected)).as("rank " + rank).isTrue();
        }
    }

    @Test
    void shouldReplayThroughTraceSpecWithMaskingAndWeights() throws IOException {
        final MemoryStore store = new MemoryStore();
        RoutingTrace.record(RoutingSpec.uniform(3), 10, 8, 2, TOPOLOGY).save(Path.of("u.npy"), store);
        final RoutingSpec replay = RoutingSpec.trace("u.npy").withSeed(5).withMaskedEntries(2)
            .withWeights(WeightMode.ABS_NORMAL, 0);

        final GeneratedRouting routing = Routing.generate(replay, 1, 6, 8, 2, TOPOLOGY, store);

        final HostTensor expected = Routing.uniform(3, 1, 10, 8, 2, false);
        final HostTensor prefix = HostTensor.zeros(DType.INT64, 6, 2);
        for (int i = 0; i < 12; i++) {
            prefix.setLong(i, expected.getLong(i));
        }
        Routing.mask(prefix, 2, 5, 1);
        assertThat(routing.topkIdx().contentEquals(prefix)).isTrue();
        assertThat(routing.topkWeights().contentEquals(Routing.weights(WeightMode.ABS_NORMAL, 0, 5, 1, 6, 2)))
            .isTrue();
    }

    @Test
    void shouldShareTwoDimensionalTraceAcrossRanks() {
        final HostTensor shared = HostTensor.zeros(DType.INT32, 2, 2);
        shared.setInt(0, 3);
        shared.setInt(1, -1);
        shared.setInt(2, 0);
        shared.setInt(3, 7);
        final RoutingTrace trace = RoutingTrace.of(shared, 8, "shared.npy");

        assertThat(trace.isPerRank()).isFalse();
        assertThat(trace.ranks()).isZero();
        final Topology big = new Topology(3, 8);
        for (final int rank : new int[] {0, 23}) {
            final HostTensor rows = trace.replay(rank, big);
            assertThat(rows.dtype()).isEqualTo(DType.INT64);
            assertThat(new long[] {rows.getLong(0), rows.getLong(1), rows.getLong(2), rows.getLong(3)})
                .containsExactly(3, -1, 0, 7);
        }
    }

    @Test
    void shouldNameFilePositionAndValueOfInvalidId() {
        final HostTensor ids = HostTensor.zeros(DType.INT64, 2, 3, 4);
        ids.setLong(1L * 12 + 2 * 4 + 3, 300);
        final MemoryStore store = new MemoryStore();
        store.write(Path.of("bad.npy"), ids);

        assertThatThrownBy(() -> RoutingTrace.load(Path.of("bad.npy"), 288, store))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("bad.npy")
            .hasMessageContaining("[rank 1, token 2, k 3]")
            .hasMessageContaining("expert id 300")
            .hasMessageContaining("[-1, 288)");

        final HostTensor flat = HostTensor.zeros(DType.INT64, 3, 2);
        flat.setLong(3, -2);
        assertThatThrownBy(() -> RoutingTrace.of(flat, 4, "flat.npy"))
            .isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("flat.npy")
            .hasMessageContaining("[token 1, k 1]")
            .hasMessageContaining("expert id -2");
    }

    @Test
    void shouldRejectWrongDtypeShapeAndMissingFile() {
        assertThatThrownBy(() -> RoutingTrace.of(HostTensor.zeros(DType.FLOAT32, 2, 2), 4, "f.npy"))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("FLOAT32");
        assertThatThrownBy(() -> RoutingTrace.of(HostTensor.zeros(DType.INT64, 4), 4, "v.npy"))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("[4]");
        assertThatThrownBy(() -> Routing.generate(RoutingSpec.trace("missing.npy"), 0, 1, 4, 1, TOPOLOGY,
            new MemoryStore()))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("missing.npy")
            .hasCauseInstanceOf(NoSuchFileException.class);
    }

    @Test
    void shouldRejectReplayThatDoesNotFitTheTrace() {
        final RoutingTrace trace = RoutingTrace.of(HostTensor.zeros(DType.INT64, 4, 5, 2), 8, "t.npy");

        assertThatThrownBy(() -> trace.replay(0, new Topology(1, 8)))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("holds 4 ranks");
        assertThatThrownBy(() -> trace.replay(0, 5, 3, TOPOLOGY))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("topK=3");
        assertThatThrownBy(() -> trace.replay(0, 6, 2, TOPOLOGY))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("6 were requested");
        assertThatThrownBy(() -> trace.replay(4, 5, 2, TOPOLOGY))
            .isInstanceOf(InvalidInputException.class).hasMessageContaining("rank=4");
        assertThatThrownBy(() -> RoutingTrace.record(RoutingSpec.trace("t.npy"), 5, 8, 2, TOPOLOGY))
            .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void shouldNotShareStateWithCallerTensors() {
        final HostTensor ids = HostTensor.zeros(DType.INT64, 1, 2);
        final RoutingTrace trace = RoutingTrace.of(ids, 4, "x");
        ids.setLong(0, 3);
        trace.tensor().setLong(1, 2);

        final HostTensor replayed = trace.replay(0, TOPOLOGY);
        assertThat(replayed.getLong(0)).isZero();
        assertThat(replayed.getLong(1)).isZero();
    }
}
