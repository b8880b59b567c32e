package dev.ep4j.api.config;

import dev.ep4j.api.error.ConfigException;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.cfg.EnumFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads config files strictly and finds them by id.
 *
 * <p>Loading parses the file, checks its structure against the record of its {@code kind} (collecting every unknown,
 * misspelled, wrongly-unitted or missing key and every wrongly-typed value, each with its JSON path), then binds it
 * with {@link #mapper()}, whose records validate their ranges. {@link #check(Path)} returns the problems;
 * {@link #load(Path, Class)} throws them as one {@link ConfigException}.
 *
 * <pre>{@code
 * Path root = Configs.defaultRoot();                        // <repo>/configs
 * GpuProfile h800 = Configs.resolve(root, GpuProfile.class, "h800");
 * ResolvedScenario run = Configs.resolveScenario(root, "deepseek-v3-h800");
 * List<ConfigProblem> problems = Configs.checkTree(root);   // what `ep4j validate` reports
 * }</pre>
 *
 * <p>Stateless apart from the immutable mapper; thread-safe.
 */
public final class Configs {

    /** System property naming the repository root whose {@code configs/} directory {@link #defaultRoot()} uses. */
    public static final String ROOT_PROPERTY = "ep4j.root";

    /** Directory under the configs root holding the generated JSON Schemas; not config files. */
    public static final String SCHEMA_DIRECTORY = "schema";

    private static final JsonMapper MAPPER = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .enable(EnumFeature.READ_ENUMS_USING_TO_STRING)
        .enable(EnumFeature.WRITE_ENUMS_USING_TO_STRING)
        .enable(EnumFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();

    private Configs() {
    }

    /**
     * The one strict mapper for config files: unknown properties, nulls for primitives, missing creator properties,
     * trailing tokens, duplicate keys, floats for integers, strings for numbers or booleans and numbers for enums
     * all fail; enums are read and written by their file names ({@code "low-latency"}).
     *
     * @return the shared, immutable mapper.
     */
    public static JsonMapper mapper() {
        return MAPPER;
    }

    /**
     * Loads a file that must be of the kind of {@code type}.
     *
     * @param file a config file.
     * @param type the record to read, e.g. {@code GpuProfile.class}.
     * @param <T>  the record type.
     * @return the validated record.
     * @throws ConfigException listing every problem, each with its JSON path.
     */
    public static <T extends ConfigFile> T load(final Path file, final Class<T> type) {
        final Outcome outcome = read(file, ConfigKind.of(type));
        throwIfProblems(file, outcome.problems());
        return type.cast(outcome.value());
    }

    /**
     * Loads a file of any kind, choosing the record by its {@code "kind"}.
     *
     * @param file a config file.
     * @return the validated record ({@link GpuProfile}, {@link NicProfile}, {@link PcieProfile},
     *     {@link TopologyConfig}, {@link WorkloadConfig} or {@link ScenarioConfig}).
     * @throws ConfigException listing every problem, each with its JSON path.
     */
    public static ConfigFile load(final Path file) {
        final Outcome outcome = read(file, null);
        throwIfProblems(file, outcome.problems());
        return outcome.value();
    }

    /**
     * Checks one file without throwing for bad content: syntax, kind, structure, ranges, the id against the file name
     * and, for hardware profiles and topologies, that numbers have sources. References to other files are checked by
     * {@link #checkTree(Path)}.
     *
     * @param file a config file.
     * @return the problems, empty when the file loads.
     */
    public static List<ConfigProblem> check(final Path file) {
        return read(file, null).problems();
    }

    /**
     * Checks every config file under a configs root (all {@code *.json} except {@code schema/}): each file as by
     * {@link #check(Path)}, that it sits at {@code <kind directory>/<id>.json}, that every referenced id resolves to
     * a file of the right kind, and that topologies and scenarios fit the files they reference.
     *
     * @param root a configs root, e.g. {@link #defaultRoot()}.
     * @return the problems, empty when the whole tree is consistent.
     */
    public static List<ConfigProblem> checkTree(final Path root) {
        return new TreeCheck(root).run();
    }

    /**
     * The configs root of the ep4j repository: {@code <ep4j.root>/configs} when the system property
     * {@value #ROOT_PROPERTY} is set (the build sets it for tests), otherwise the first {@code configs/} directory
     * found walking up from the working directory.
     *
     * @return the configs root.
     * @throws ConfigException when no such directory exists.
     */
    public static Path defaultRoot() {
        final String property = System.getProperty(ROOT_PROPERTY);
        if (property != null && !property.isBlank()) {
            final Path configs = Path.of(property).toAbsolutePath().normalize().resolve("configs");
            if (Files.isDirectory(configs)) {
                return configs;
            }
            throw new ConfigException("-D" + ROOT_PROPERTY + "=" + property + " has no configs/ directory (looked for "
                + configs + "): point it at the ep4j repository root");
        }
        final Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            final Path configs = dir.resolve("configs");
            if (Files.isDirectory(configs)) {
                return configs;
            }
        }
        throw new ConfigException("no configs/ directory in " + start + " or its parents: run from the ep4j"
            + " repository or set -D" + ROOT_PROPERTY + "=<repository root>");
    }

    /**
     * Where the file of a kind and id lives: {@code <root>/<kind directory>/<id>.json}.
     *
     * @param root a configs root.
     * @param kind the kind.
     * @param id   the id.
     * @return the path (which may not exist).
     * @throws ConfigException when {@code id} is not a valid id.
     */
    public static Path pathOf(final Path root, final ConfigKind kind, final String id) {
        if (id == null || !Check.ID.matcher(id).matches()) {
            throw new ConfigException("\"" + id + "\" is not a valid " + kind + " id: use lower-case letters and"
                + " digits joined by '-' or '.'");
        }
        return root.resolve(kind.directory()).resolve(id + ".json");
    }

    /**
     * Lists the ids of one kind present under a configs root.
     *
     * @param root a configs root.
     * @param kind the kind.
     * @return the ids (file names without {@code .json}) in {@code <root>/<kind directory>}, sorted.
     * @throws ConfigException when the directory cannot be listed.
     */
    public static List<String> ids(final Path root, final ConfigKind kind) {
        final Path dir = root.resolve(kind.directory());
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                .map(p -> p.getFileName().toString())
                .filter(n -> n.endsWith(".json"))
                .map(n -> n.substring(0, n.length() - ".json".length()))
                .sorted()
                .toList();
        } catch (final IOException e) {
            throw new ConfigException("cannot list " + dir + ": " + e, e);
        }
    }

    /**
     * Loads the config of a type by id from a configs root.
     *
     * @param root a configs root.
     * @param type the record type, e.g. {@code NicProfile.class}.
     * @param id   the id, e.g. {@code "cx7-400g"}.
     * @param <T>  the record type.
     * @return the validated record.
     * @throws ConfigException when no such file exists (naming the known ids and the closest one) or it has problems.
     */
    public static <T extends ConfigFile> T resolve(final Path root, final Class<T> type, final String id) {
        final ConfigKind kind = ConfigKind.of(type);
        final Path file = pathOf(root, kind, id);
        if (!Files.isRegularFile(file)) {
            final List<String> known = ids(root, kind);
            throw new ConfigException("no " + kind + " config \"" + id + "\": expected " + file + "; known " + kind
                + " ids: " + known + Suggest.closest(id, known).map(s -> "; did you mean \"" + s + "\"?").orElse(""));
        }
        return load(file, type);
    }

    /**
     * Loads a topology and the GPU, NIC and PCIe profiles it references, and checks that they fit together.
     *
     * @param root a configs root.
     * @param id   the topology id, e.g. {@code "h800-8x2-cx7"}.
     * @return the resolved topology.
     * @throws ConfigException when a file is missing or invalid, or the parts do not fit (with the JSON path).
     */
    public static ResolvedTopology resolveTopology(final Path root, final String id) {
        final TopologyConfig topology = resolve(root, TopologyConfig.class, id);
        final GpuProfile gpu = resolve(root, GpuProfile.class, topology.gpuProfileId());
        final NicProfile nic = resolve(root, NicProfile.class, topology.nicProfileId());
        final PcieProfile gpuPcie = resolve(root, PcieProfile.class, gpu.pcieProfileId());
        final PcieProfile nicPcie = resolve(root, PcieProfile.class, nic.pcieProfileId());
        try {
            return new ResolvedTopology(topology, gpu, gpuPcie, nic, nicPcie);
        } catch (final ConfigFieldException e) {
            throw new ConfigException(pathOf(root, ConfigKind.TOPOLOGY, id) + ": $." + e.field() + ": "
                + e.getMessage(), e);
        }
    }

    /**
     * Loads a scenario with its topology (resolved), workload and hardware, and checks that they fit together.
     *
     * @param root a configs root.
     * @param id   the scenario id, e.g. {@code "deepseek-v3-h800"}.
     * @return the resolved scenario.
     * @throws ConfigException when a file is missing or invalid, or the parts do not fit (with the JSON path).
     */
    public static ResolvedScenario resolveScenario(final Path root, final String id) {
        final ScenarioConfig scenario = resolve(root, ScenarioConfig.class, id);
        final ResolvedTopology topology = resolveTopology(root, scenario.topologyId());
        final WorkloadConfig workload = resolve(root, WorkloadConfig.class, scenario.workloadId());
        try {
            return new ResolvedScenario(scenario, topology, workload);
        } catch (final ConfigFieldException e) {
            throw new ConfigException(pathOf(root, ConfigKind.SCENARIO, id) + ": $." + e.field() + ": "
                + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** A read attempt: the record when there are no problems. */
    private record Outcome(ConfigFile value, List<ConfigProblem> problems) {
    }

    private static Outcome read(final Path file, final ConfigKind expected) {
        final List<ConfigProblem> problems = new ArrayList<>();
        final byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (final IOException e) {
            problems.add(new ConfigProblem(file, "$", "cannot read the file: " + e));
            return new Outcome(null, problems);
        }
        final JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (final JacksonException e) {
            problems.add(new ConfigProblem(file, "$", "not valid JSON: " + e.getOriginalMessage() + at(e)));
            return new Outcome(null, problems);
        }
        if (root == null || root.isMissingNode()) {
            problems.add(new ConfigProblem(file, "$", "the file is empty; a config file holds one JSON object"));
            return new Outcome(null, problems);
        }
        final ConfigKind kind = expected != null ? expected : kindOf(file, root, problems);
        if (kind == null) {
            return new Outcome(null, problems);
        }
        final ConfigWalker walker = new ConfigWalker(file);
        walker.checkRoot(root, kind);
        if (!walker.problems().isEmpty()) {
            final Optional<ConfigKind> better = expected == null ? kindOfKeys(root, kind) : Optional.empty();
            if (better.isPresent()) {
                problems.add(new ConfigProblem(file, "$.kind", "kind is \"" + kind + "\" but the keys are those of a "
                    + better.get() + " config (read as " + kind + ", the file has " + walker.problems().size()
                    + " problems): is the kind wrong?"));
            } else {
                problems.addAll(walker.problems());
            }
            return new Outcome(null, problems);
        }
        final ConfigFile value;
        try {
            value = MAPPER.treeToValue(root, kind.recordType());
        } catch (final JacksonException e) {
            problems.add(bindingProblem(file, e));
            return new Outcome(null, problems);
        }
        final String fileName = file.getFileName() == null ? "" : file.getFileName().toString();
        if (fileName.endsWith(".json") && !fileName.equals(value.id() + ".json")) {
            problems.add(new ConfigProblem(file, "$.id", "id \"" + value.id() + "\" does not match the file name "
                + fileName + ": ids are file names, rename the file or change the id"));
        }
        sourceProblems(file, value, problems);
        return new Outcome(problems.isEmpty() ? value : null, problems);
    }

    private static ConfigKind kindOf(final Path file, final JsonNode root, final List<ConfigProblem> problems) {
        final List<String> kinds = Arrays.stream(ConfigKind.values()).map(ConfigKind::jsonName).toList();
        if (!root.isObject()) {
            problems.add(new ConfigProblem(file, "$", "a config file holds one JSON object, found "
                + ConfigWalker.describe(root)));
            return null;
        }
        final JsonNode node = root.get("kind");
        if (node == null) {
            problems.add(new ConfigProblem(file, "$.kind", "missing required key 'kind': expected one of " + kinds));
            return null;
        }
        final Optional<ConfigKind> kind = node.isString() ? ConfigKind.fromJsonName(node.stringValue())
            : Optional.empty();
        if (kind.isEmpty()) {
            problems.add(new ConfigProblem(file, "$.kind", "expected one of " + kinds + ", found "
                + ConfigWalker.describe(node) + (node.isString() ? Suggest.closest(node.stringValue(), kinds)
                .map(s -> "; did you mean \"" + s + "\"?").orElse("") : "")));
            return null;
        }
        return kind.get();
    }

    /** The kind whose keys cover the file's keys far better than the declared kind's do, if any. */
    private static Optional<ConfigKind> kindOfKeys(final JsonNode root, final ConfigKind declared) {
        if (!root.isObject()) {
            return Optional.empty();
        }
        final List<String> keys = List.copyOf(root.propertyNames());
        final int declaredMatches = matches(keys, declared);
        ConfigKind best = null;
        int bestMatches = declaredMatches;
        for (final ConfigKind kind : ConfigKind.values()) {
            final int m = matches(keys, kind);
            if (m > bestMatches) {
                best = kind;
                bestMatches = m;
            }
        }
        return best != null && bestMatches * 5 >= keys.size() * 4 ? Optional.of(best) : Optional.empty();
    }

    private static int matches(final List<String> keys, final ConfigKind kind) {
        final List<String> names = Arrays.stream(kind.recordType().getRecordComponents())
            .map(RecordComponent::getName).toList();
        return (int) keys.stream().filter(names::contains).count();
    }

    private static ConfigProblem bindingProblem(final Path file, final JacksonException e) {
        String path = "$";
        for (final JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path = ConfigWalker.child(path, ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path = path + "[" + ref.getIndex() + "]";
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigFieldException f) {
                final String field = f.field();
                return new ConfigProblem(file, path + (field.startsWith("[") ? "" : ".") + field, f.getMessage());
            }
            if (t instanceof ConfigException c) {
                return new ConfigProblem(file, path, c.getMessage());
            }
        }
        return new ConfigProblem(file, path, e.getOriginalMessage());
    }

    private static void sourceProblems(final Path file, final ConfigFile value, final List<ConfigProblem> problems) {
        final Map<String, String> sources;
        final List<String> required;
        if (value instanceof HardwareProfile hardware) {
            sources = hardware.sources();
            required = ConfigWalker.numericFields(value.getClass(), "");
        } else if (value instanceof TopologyConfig topology) {
            sources = topology.sources();
            required = TopologyConfig.SOURCED_FIELDS;
        } else {
            return;
        }
        for (final String field : required) {
            if (!sources.containsKey(field)) {
                problems.add(new ConfigProblem(file, "$.sources", "no source for " + field + ": add \"" + field
                    + "\": \"<document the value comes from>\" (or \"assumed; to be calibrated\")"));
            }
        }
        final List<String> fields = ConfigWalker.allFields(value.getClass(), "");
        for (final String key : sources.keySet()) {
            if (!fields.contains(key)) {
                problems.add(new ConfigProblem(file, ConfigWalker.child("$.sources", key), "sources key \"" + key
                    + "\" names no field of a " + value.kind() + " config" + Suggest.closest(key, fields)
                    .map(s -> "; did you mean \"" + s + "\"?").orElse("")));
            }
        }
    }

    private static String at(final JacksonException e) {
        final TokenStreamLocation location = e.getLocation();
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static void throwIfProblems(final Path file, final List<ConfigProblem> problems) {
        if (problems.isEmpty()) {
            return;
        }
        final String list = problems.stream().map(p -> "  " + p.jsonPath() + ": " + p.reason())
            .collect(Collectors.joining("\n"));
        throw new ConfigException(file + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems")
            + "\n" + list);
    }

    /** The cross-file checks of {@link #checkTree(Path)}. Not thread-safe; one per call. */
    private static final class TreeCheck {
        private final Path root;
        private final List<ConfigProblem> problems = new ArrayList<>();
        private final Map<ConfigKind, Map<String, ConfigFile>> loaded = new EnumMap<>(ConfigKind.class);
        private final Map<ConfigFile, Path> files = new IdentityHashMap<>();

        TreeCheck(final Path root) {
            this.root = root;
            for (final ConfigKind kind : ConfigKind.values()) {
                loaded.put(kind, new TreeMap<>());
            }
        }

        List<ConfigProblem> run() {
            if (!Files.isDirectory(root)) {
                problems.add(new ConfigProblem(root, "$", "not a directory: expected a configs root"));
                return problems;
            }
            final Path schemas = root.resolve(SCHEMA_DIRECTORY);
            final List<Path> all;
            try (Stream<Path> walk = Files.walk(root)) {
                all = walk.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".json"))
                    .filter(p -> !p.startsWith(schemas))
                    .sorted()
                    .toList();
            } catch (final IOException e) {
                problems.add(new ConfigProblem(root, "$", "cannot list the configs root: " + e));
                return problems;
            }
            for (final Path file : all) {
                final Outcome outcome = read(file, null);
                problems.addAll(outcome.problems());
                final ConfigFile value = outcome.value();
                if (value != null) {
                    final Path expected = pathOf(root, value.kind(), value.id());
                    if (!expected.normalize().equals(file.normalize())) {
                        problems.add(new ConfigProblem(file, "$.kind", "a " + value.kind() + " config with id \""
                            + value.id() + "\" belongs at " + root.relativize(expected) + " (configs are found by kind"
                            + " and id)"));
                    } else {
                        loaded.get(value.kind()).put(value.id(), value);
                        files.put(value, file);
                    }
                }
            }
            for (final ConfigFile gpu : loaded.get(ConfigKind.GPU).values()) {
                reference(gpu, "$.pcieProfileId", ConfigKind.PCIE, ((GpuProfile) gpu).pcieProfileId());
            }
            for (final ConfigFile nic : loaded.get(ConfigKind.NIC).values()) {
                reference(nic, "$.pcieProfileId", ConfigKind.PCIE, ((NicProfile) nic).pcieProfileId());
            }
            final Map<String, ResolvedTopology> topologies = new TreeMap<>();
            for (final ConfigFile value : loaded.get(ConfigKind.TOPOLOGY).values()) {
                final TopologyConfig t = (TopologyConfig) value;
                final GpuProfile gpu = (GpuProfile) reference(t, "$.gpuProfileId", ConfigKind.GPU, t.gpuProfileId());
                final NicProfile nic = (NicProfile) reference(t, "$.nicProfileId", ConfigKind.NIC, t.nicProfileId());
                if (gpu == null || nic == null) {
                    continue;
                }
                final PcieProfile gpuPcie = (PcieProfile) loaded.get(ConfigKind.PCIE).get(gpu.pcieProfileId());
                final PcieProfile nicPcie = (PcieProfile) loaded.get(ConfigKind.PCIE).get(nic.pcieProfileId());
                if (gpuPcie == null || nicPcie == null) {
                    continue;
                }
                try {
                    topologies.put(t.id(), new ResolvedTopology(t, gpu, gpuPcie, nic, nicPcie));
                } catch (final ConfigFieldException e) {
                    problems.add(new ConfigProblem(files.get(t), "$." + e.field(), e.getMessage()));
                }
            }
            for (final ConfigFile value : loaded.get(ConfigKind.SCENARIO).values()) {
                final ScenarioConfig s = (ScenarioConfig) value;
                final ConfigFile topology = reference(s, "$.topologyId", ConfigKind.TOPOLOGY, s.topologyId());
                final WorkloadConfig workload =
                    (WorkloadConfig) reference(s, "$.workloadId", ConfigKind.WORKLOAD, s.workloadId());
                final ResolvedTopology resolved = topologies.get(s.topologyId());
                if (topology == null || workload == null || resolved == null) {
                    continue;
                }
                try {
                    new ResolvedScenario(s, resolved, workload);
                } catch (final ConfigFieldException e) {
                    problems.add(new ConfigProblem(files.get(s), "$." + e.field(), e.getMessage()));
                }
            }
            return problems;
        }

        /** Returns the referenced config, or null after reporting a dangling reference (or a broken target). */
        private ConfigFile reference(final ConfigFile from, final String path, final ConfigKind kind, final String id) {
            final ConfigFile target = loaded.get(kind).get(id);
            if (target != null) {
                return target;
            }
            if (!Files.isRegularFile(pathOf(root, kind, id))) {
                final List<String> known = new ArrayList<>(loaded.get(kind).keySet());
                problems.add(new ConfigProblem(files.get(from), path, "no " + kind + " config \"" + id + "\" (expected"
                    + " at " + root.relativize(pathOf(root, kind, id)) + "); known " + kind + " ids: " + known
                    + Suggest.closest(id, known).map(s -> "; did you mean \"" + s + "\"?").orElse("")));
            }
            return null;
        }
    }
}
