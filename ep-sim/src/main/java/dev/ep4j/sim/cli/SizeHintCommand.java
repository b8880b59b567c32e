package dev.ep4j.sim.cli;

import dev.ep4j.api.error.ConfigException;
import dev.ep4j.api.error.InvalidInputException;
import dev.ep4j.api.kernel.BufferSizing;
import dev.ep4j.api.kernel.DefaultConfigs;
import dev.ep4j.api.kernel.KernelConfig;
import dev.ep4j.api.kernel.LowLatencyLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ep4j size-hint normal|low-latency}: DeepEP's buffer size hints, exactly.
 */
@Command(name = "size-hint", mixinStandardHelpOptions = true,
    description = "Buffer size hints with DeepEP's exact formulas.",
    subcommands = {SizeHintCommand.Normal.class, SizeHintCommand.LowLatency.class})
final class SizeHintCommand {

    static String mib(final long bytes) {
        return String.format("%,d bytes (%.1f MiB)", bytes, bytes / 1048576.0);
    }

    /** Normal-mode NVLink and RDMA hints. */
    @Command(name = "normal", mixinStandardHelpOptions = true,
        description = "NVL and RDMA buffer bytes of the normal kernels (get_nvl/rdma_buffer_size_hint). Without "
            + "chunk options, the maximum over DeepEP's default dispatch and combine configs for the rank count.")
    static final class Normal implements Callable<Integer> {
        @Option(names = "--ranks", required = true, description = "EP group size (8 GPUs per node, as DeepEP).")
        int ranks;
        @Option(names = "--hidden-bytes", required = true, description = "Bytes of one token row.")
        long hiddenBytes;
        @Option(names = "--sms", defaultValue = "20", description = "SMs of the normal kernels (default ${DEFAULT-VALUE}).")
        int sms;
        @Option(names = "--nvl-chunk", description = "NVLink send chunk, tokens.")
        Integer nvlChunk;
        @Option(names = "--nvl-tokens", description = "NVLink ring capacity, tokens.")
        Integer nvlTokens;
        @Option(names = "--rdma-chunk", description = "RDMA send chunk, tokens.")
        Integer rdmaChunk;
        @Option(names = "--rdma-tokens", description = "RDMA ring capacity, tokens.")
        Integer rdmaTokens;
        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        public Integer call() {
            if (ranks < 1) {
                throw new InvalidInputException("--ranks=" + ranks + " must be >= 1");
            }
            if (hiddenBytes <= 0) {
                throw new InvalidInputException("--hidden-bytes=" + hiddenBytes + " must be > 0");
            }
            final Map<String, Object> out = new LinkedHashMap<>();
            out.put("mode", "normal");
            out.put("ranks", ranks);
            out.put("hiddenBytes", hiddenBytes);
            final long nvl;
            final long rdma;
            final int given = count(nvlChunk) + count(nvlTokens) + count(rdmaChunk) + count(rdmaTokens);
            if (given == 4) {
                final KernelConfig c = new KernelConfig(sms, nvlChunk, nvlTokens, rdmaChunk, rdmaTokens);
                nvl = BufferSizing.nvlSizeHint(c, hiddenBytes, ranks);
                rdma = BufferSizing.rdmaSizeHint(c, hiddenBytes, ranks);
                out.put("config", c.toString());
            } else if (given == 0) {
                final KernelConfig d = DefaultConfigs.dispatch(ranks, sms);
                final KernelConfig c = DefaultConfigs.combine(ranks, sms);
                nvl = Math.max(BufferSizing.nvlSizeHint(d, hiddenBytes, ranks),
                    BufferSizing.nvlSizeHint(c, hiddenBytes, ranks));
                rdma = Math.max(BufferSizing.rdmaSizeHint(d, hiddenBytes, ranks),
                    BufferSizing.rdmaSizeHint(c, hiddenBytes, ranks));
                out.put("config", "max of default dispatch " + d + " and combine " + c);
            } else {
                throw new ConfigException("give all of --nvl-chunk --nvl-tokens --rdma-chunk --rdma-tokens, or none "
                    + "to use DeepEP's default tables (got " + given + " of 4)");
            }
            out.put("nvlBytes", nvl);
            out.put("rdmaBytes", rdma);
            if (json) {
                System.out.println(Json.write(out));
            } else {
                System.out.println("normal mode, " + ranks + " ranks, " + hiddenBytes + " hidden bytes, "
                    + out.get("config"));
                System.out.println("  NVL buffer:  " + mib(nvl));
                System.out.println("  RDMA buffer: " + mib(rdma));
            }
            return 0;
        }

        private static int count(final Integer v) {
            return v == null ? 0 : 1;
        }
    }

    /** Low-latency RDMA hint. */
    @Command(name = "low-latency", mixinStandardHelpOptions = true,
        description = "RDMA buffer bytes of the low-latency kernels (get_low_latency_rdma_size_hint).")
    static final class LowLatency implements Callable<Integer> {
        @Option(names = "--max-tokens", required = true, description = "Tokens per rank at most (T_max).")
        int maxTokens;
        @Option(names = "--hidden", required = true, description = "Hidden size in elements.")
        int hidden;
        @Option(names = "--ranks", required = true, description = "EP group size.")
        int ranks;
        @Option(names = "--experts", required = true, description = "Total experts.")
        int experts;
        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        public Integer call() {
            if (ranks < 1 || experts % ranks != 0) {
                throw new InvalidInputException("--experts=" + experts + " must be divisible by --ranks=" + ranks);
            }
            final LowLatencyLayout layout = LowLatencyLayout.of(maxTokens, hidden, experts);
            final long bytes = BufferSizing.lowLatencySizeHint(maxTokens, hidden, ranks, experts);
            final Map<String, Object> out = new LinkedHashMap<>();
            out.put("mode", "low-latency");
            out.put("maxTokens", maxTokens);
            out.put("hidden", hidden);
            out.put("ranks", ranks);
            out.put("experts", experts);
            out.put("rdmaBytes", bytes);
            out.put("dispatchMessageBytes", layout.dispatchMessageBytes());
            out.put("combineSlotBytes", layout.combineSlotBytes());
            if (json) {
                System.out.println(Json.write(out));
            } else {
                System.out.println("low-latency mode, T_max " + maxTokens + ", hidden " + hidden + ", " + ranks
                    + " ranks, " + experts + " experts");
                System.out.println("  RDMA buffer: " + mib(bytes));
                System.out.println("  dispatch message " + layout.dispatchMessageBytes() + " B, combine slot "
                    + layout.combineSlotBytes() + " B");
            }
            return 0;
        }
    }
}
