package dev.ep4j.cuda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.Availability;
import dev.ep4j.api.BackendProvider;
import dev.ep4j.api.error.BackendUnavailableException;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CudaBackendProviderTest {
    @Test
    void shouldBeDiscoveredAndSayWhyItCannotOpen() {
        final Map<String, BackendProvider> providers = ServiceLoader.load(BackendProvider.class).stream()
            .map(ServiceLoader.Provider::get).collect(Collectors.toMap(BackendProvider::name, p -> p));
        assertThat(providers).containsKey("cuda");
        final Availability a = providers.get("cuda").availability();
        assertThat(a.available()).isFalse();
        assertThat(a.reason()).isNotBlank();
        if (!Cuda.isAvailable()) {
            assertThat(a.reason()).isEqualTo(Cuda.unavailableReason());
        } else {
            assertThat(a.reason()).contains("not implemented yet");
        }
        assertThatThrownBy(() -> providers.get("cuda").open(Map.of()))
            .isInstanceOf(BackendUnavailableException.class).hasMessageStartingWith("cuda: ");
    }
}
