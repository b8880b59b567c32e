package dev.ep4j.bench;

import dev.ep4j.api.config.Configs;
import dev.ep4j.sim.pipeline.DesModel;
import dev.ep4j.sim.timing.CaseSpec;
import dev.ep4j.sim.timing.OpKind;
import dev.ep4j.sim.timing.ScenarioSimulator;
import dev.ep4j.sim.timing.Study;
import dev.ep4j.sim.timing.TimingCase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The discrete-event timing model on the default study's EP64 normal kernels (DeepSeek-V3 on 8 × 8 H800 + CX7, 4096
 * tokens per rank, 24 SMs): one operation = predict dispatch, then combine, one thread. The routing and traffic
 * matrices are built once in the setup (they are shared by every kernel of an EP size in {@code ep4j simulate}).
 *
 * <p>{@code channelRanks}: {@code 128} is the shipped model ({@link DesModel#CHANNEL_RANKS}, channels grouped six to
 * one at EP64); {@code 100000} simulates every channel — the baseline, the model before channel grouping.
 *
 * <p>Run from the repository root (the configs are read from {@code ./configs}).
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@State(Scope.Benchmark)
public class DesModelBenchmark {
    /** The grouping budget of the model under test. */
    @Param({"128", "100000"})
    public int channelRanks;

    private List<TimingCase> cases;
    private DesModel model;

    /** Builds the EP64 dispatch and combine cases. */
    @Setup(Level.Trial)
    public void setUp() {
        final List<CaseSpec> specs = new ArrayList<>();
        for (final CaseSpec s : Study.deepSeekV3H800(Configs.defaultRoot()).cases()) {
            if (s.shape().ranks() == 64 && (s.op() == OpKind.DISPATCH || s.op() == OpKind.COMBINE)) {
                specs.add(s);
            }
        }
        if (specs.size() != 2) {
            throw new IllegalStateException("expected the EP64 dispatch and combine of the default study, found "
                + specs.size() + " cases");
        }
        cases = new ScenarioSimulator(new DesModel(), 1).timingCases(specs);
        model = new DesModel(channelRanks);
    }

    /**
     * @return the two kernel times, summed (consumed by JMH).
     */
    @Benchmark
    public double dispatchAndCombine() {
        double us = 0;
        for (final TimingCase c : cases) {
            us += model.predict(c).timeUs();
        }
        return us;
    }
}
