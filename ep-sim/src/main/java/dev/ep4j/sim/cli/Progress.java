package dev.ep4j.sim.cli;

import dev.ep4j.sim.timing.CaseSpec;
import dev.ep4j.sim.timing.ScenarioSimulator;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a long run on stderr: a progress bar when a console is attached, otherwise (CI, pipes) a plain log line
 * at every tenth of the work (only at the end for runs of fewer than 50 cases). Called serially by
 * {@link ScenarioSimulator}; not meant for concurrent use otherwise.
 */
final class Progress implements ScenarioSimulator.Progress, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    /** Runs with fewer cases than this log only their end. */
    private static final int SMALL = 50;
    private final String task;
    private final ProgressBar bar;
    private int lastTenth = -1;

    /**
     * @param task  what is running, e.g. {@code "sweep"}.
     * @param total cases.
     * @param quiet no output at all (e.g. with --json).
     */
    Progress(final String task, final int total, final boolean quiet) {
        this.task = task;
        this.bar = quiet || System.console() == null ? null : new ProgressBarBuilder().setTaskName(task)
            .setInitialMax(total).setStyle(ProgressBarStyle.ASCII).setUnit(" cases", 1).setUpdateIntervalMillis(200)
            .setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        if (quiet) {
            lastTenth = Integer.MAX_VALUE;
        }
    }

    @Override
    public void caseDone(final int done, final int total, final CaseSpec spec) {
        if (bar != null) {
            bar.stepTo(done);
            return;
        }
        final int tenth = total == 0 ? 10 : done * 10 / total;
        if (tenth > lastTenth && (total >= SMALL || done == total)) {
            lastTenth = tenth;
            LOG.info("{}: {}/{} cases ({}%), last {}", task, done, total, done * 100 / Math.max(total, 1),
                spec.label());
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
