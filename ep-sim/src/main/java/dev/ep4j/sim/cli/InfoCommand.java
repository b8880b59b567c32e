package dev.ep4j.sim.cli;

import dev.ep4j.api.Availability;
import dev.ep4j.api.BackendProvider;
import dev.ep4j.api.Backends;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ep4j info}: every backend on the class path, available or not, and why.
 */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Backends and whether they can run here.")
final class InfoCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        final List<Map<String, Object>> rows = new ArrayList<>();
        for (final BackendProvider p : Backends.providers()) {
            final Availability a = p.availability();
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", p.name());
            row.put("available", a.available());
            row.put("reason", a.reason());
            rows.add(row);
        }
        if (json) {
            final Map<String, Object> out = new LinkedHashMap<>();
            out.put("version", Ep4jCli.Version.version());
            out.put("java", System.getProperty("java.version"));
            out.put("backends", rows);
            System.out.println(Json.write(out));
            return 0;
        }
        System.out.println("ep4j " + Ep4jCli.Version.version() + " on Java " + System.getProperty("java.version"));
        if (rows.isEmpty()) {
            System.out.println("no backends on the class path");
        }
        for (final Map<String, Object> row : rows) {
            final boolean ok = (Boolean) row.get("available");
            System.out.printf("  %-5s %s%s%n", row.get("name"), ok ? "available" : "unavailable",
                ok ? "" : " - " + row.get("reason"));
        }
        return 0;
    }
}
