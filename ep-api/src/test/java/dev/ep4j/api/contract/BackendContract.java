package dev.ep4j.api.contract;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ep4j.api.Backend;
import dev.ep4j.api.BufferSpec;
import dev.ep4j.api.GroupSpec;
import dev.ep4j.api.LocalCluster;
import dev.ep4j.api.error.BackendUnavailableException;
import dev.ep4j.api.topology.Topology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Common base of the backend contract test classes: opens the backend under test before each test (skipping the
 * test, with the provider's reason, when it is not available here) and closes it afterwards.
 *
 * <p>A backend's test extends one of the abstract contract classes and implements {@link #openBackend()};
 * it overrides {@link #supports(String)} to skip what it does not implement yet (the capability names are the
 * constants of {@link ContractSupport}: {@link ContractSupport#INTERNODE}, {@link ContractSupport#LOW_LATENCY}).
 */
public abstract class BackendContract {
    private Backend backend;

    /**
     * Opens the backend under test, e.g. {@code Backends.open("sim")}; called before every test.
     *
     * @return a fresh backend, closed after the test.
     * @throws BackendUnavailableException when the backend cannot run here: the test is skipped with the reason.
     */
    protected abstract Backend openBackend();

    /**
     * Whether the backend implements a capability; tests needing one it lacks are skipped.
     *
     * @param capability a capability name of {@link ContractSupport}.
     * @return true (default) when supported.
     */
    protected boolean supports(final String capability) {
        return true;
    }

    @BeforeEach
    final void openBackendOrSkip() {
        try {
            backend = openBackend();
        } catch (final BackendUnavailableException e) {
            assumeTrue(false, "backend not available: " + e.getMessage());
        }
    }

    @AfterEach
    final void closeBackend() {
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    /**
     * @return the backend opened for the running test.
     */
    protected final Backend backend() {
        return backend;
    }

    /**
     * Skips the test unless the backend supports {@code capability}.
     *
     * @param capability a capability name.
     */
    protected final void requires(final String capability) {
        assumeTrue(supports(capability), "backend does not support '" + capability + "' yet");
    }

    /**
     * Skips the test when {@code topology} needs the internode capability and the backend lacks it.
     *
     * @param topology the group shape.
     */
    protected final void requiresTopology(final Topology topology) {
        if (topology.isInternode()) {
            requires(ContractSupport.INTERNODE);
        }
    }

    /**
     * @param topology the group shape.
     * @param spec     every rank's buffer spec.
     * @return a cluster on the backend under test; close it.
     */
    protected final LocalCluster open(final Topology topology, final BufferSpec spec) {
        return LocalCluster.open(backend, new GroupSpec(topology, spec));
    }
}
