package dev.ep4j.sim.cli;

import dev.ep4j.api.config.ConfigProblem;
import dev.ep4j.api.config.Configs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ep4j validate FILE...}: strict checks of config files (unknown or misspelled keys, missing keys, wrong
 * units, out-of-range values), each problem with its JSON path. A directory argument checks every {@code .json}
 * file below it except {@code schema/}. Exit 0 when all validate, 2 otherwise.
 */
@Command(name = "validate", mixinStandardHelpOptions = true,
    description = "Validate config files; per problem the file, the JSON path and the reason.")
final class ValidateCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Config files or directories.")
    List<Path> files;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        final List<Path> all = new ArrayList<>();
        for (final Path p : files) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    all.addAll(s.filter(f -> f.toString().endsWith(".json"))
                        .filter(f -> !f.toString().contains(Configs.SCHEMA_DIRECTORY))
                        .sorted().collect(Collectors.toList()));
                }
            } else {
                all.add(p);
            }
        }
        final List<Map<String, Object>> rows = new ArrayList<>();
        int bad = 0;
        for (final Path f : all) {
            final List<ConfigProblem> problems = Configs.check(f);
            if (!problems.isEmpty()) {
                bad++;
            }
            final Map<String, Object> row = new LinkedHashMap<>();
            row.put("file", f.toString());
            row.put("valid", problems.isEmpty());
            final List<Map<String, String>> list = new ArrayList<>();
            for (final ConfigProblem p : problems) {
                list.add(Map.of("path", p.jsonPath(), "reason", p.reason()));
            }
            row.put("problems", list);
            rows.add(row);
        }
        if (json) {
            final Map<String, Object> out = new LinkedHashMap<>();
            out.put("valid", bad == 0);
            out.put("files", rows);
            System.out.println(Json.write(out));
        } else {
            for (final Map<String, Object> row : rows) {
                if ((Boolean) row.get("valid")) {
                    System.out.println("ok       " + row.get("file"));
                } else {
                    System.out.println("INVALID  " + row.get("file"));
                    @SuppressWarnings("unchecked")
                    final List<Map<String, String>> problems = (List<Map<String, String>>) row.get("problems");
                    for (final Map<String, String> p : problems) {
                        System.out.println("    " + p.get("path") + ": " + p.get("reason"));
                    }
                }
            }
            System.out.println(all.size() - bad + " valid, " + bad + " invalid");
        }
        return bad == 0 ? 0 : Ep4jCli.EXIT_BAD_INPUT;
    }
}
