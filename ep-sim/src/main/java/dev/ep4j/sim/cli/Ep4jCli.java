package dev.ep4j.sim.cli;

import dev.ep4j.api.error.EpException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code ep4j} command line. {@code main} is the only place that exits; commands return exit codes: 0 success,
 * 2 bad input or failed validation, 1 unexpected failure.
 */
@Command(
    name = "ep4j",
    mixinStandardHelpOptions = true,
    versionProvider = Ep4jCli.Version.class,
    description = "Expert-parallel MoE communication for the JVM: simulate, size and validate.",
    subcommands = {
        SimulateCommand.class, SweepCommand.class, PlanCommand.class, RunCommand.class, VerifyCommand.class,
        SizeHintCommand.class, ValidateCommand.class, InfoCommand.class, CompareBenchCommand.class, CalibrateCommand.class,
        CommandLine.HelpCommand.class
    })
public final class Ep4jCli implements Runnable {
    /** Exit code for bad input, an unavailable backend or a failed validation. */
    public static final int EXIT_BAD_INPUT = 2;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    /**
     * Runs the CLI and exits with its code.
     *
     * @param args command-line arguments.
     */
    public static void main(final String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the CLI without exiting (for tests and embedding).
     *
     * @param args command-line arguments.
     * @return the exit code.
     */
    public static int run(final String... args) {
        return commandLine().execute(args);
    }

    /**
     * @return a configured picocli command line: our exceptions print their message, not a stack trace.
     */
    public static CommandLine commandLine() {
        final CommandLine cl = new CommandLine(new Ep4jCli());
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            final PrintWriter err = line.getErr();
            if (ex instanceof EpException) {
                err.println("ep4j: " + ex.getMessage());
                err.flush();
                return EXIT_BAD_INPUT;
            }
            throw ex;
        });
        return cl;
    }

    /** With no subcommand, {@code ep4j} runs the main job, {@code simulate}. */
    @Override
    public void run() {
        final CommandLine sub = spec.commandLine().getSubcommands().get("simulate");
        final int code = sub.execute();
        if (code != 0) {
            throw new CommandLine.ExecutionException(spec.commandLine(), "simulate failed with exit code " + code);
        }
    }

    /** Reads the version Maven wrote into {@code ep4j-version.properties}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            return new String[] {"ep4j " + version()};
        }

        static String version() throws IOException {
            final Properties p = new Properties();
            try (InputStream in = Ep4jCli.class.getResourceAsStream("/ep4j-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return p.getProperty("version", "unknown");
        }
    }
}
