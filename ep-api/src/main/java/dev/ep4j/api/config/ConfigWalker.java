package dev.ep4j.api.config;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;

/**
 * Checks the structure of a parsed config file against its record type before binding, collecting every problem
 * with its JSON path: unknown keys (with "did you mean" and the units-in-key-names hint), missing keys, nulls where
 * none are allowed, wrong JSON types (a string such as {@code "400 GB/s"} where a number is expected), enum values.
 * Ranges are left to the records' compact constructors.
 *
 * <p>Not thread-safe: one instance per file, used by one thread.
 */
final class ConfigWalker {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Path file;
    private final List<ConfigProblem> problems = new ArrayList<>();

    /**
     * @param file the file being checked, used in the problems.
     */
    ConfigWalker(final Path file) {
        this.file = file;
    }

    /**
     * @return the problems found so far, in document order.
     */
    List<ConfigProblem> problems() {
        return problems;
    }

    /**
     * Checks a whole file.
     *
     * @param root the parsed file.
     * @param kind the kind the file must be.
     */
    void checkRoot(final JsonNode root, final ConfigKind kind) {
        if (!root.isObject()) {
            add("$", "a config file holds one JSON object, found " + describe(root));
            return;
        }
        checkRecord(kind.recordType(), root, "$", kind);
    }

    private void checkRecord(final Class<?> type, final JsonNode node, final String path, final ConfigKind kind) {
        final Map<String, RecordComponent> components = new LinkedHashMap<>();
        for (final RecordComponent c : type.getRecordComponents()) {
            components.put(c.getName(), c);
        }
        final Set<String> explained = new HashSet<>();
        for (final String key : node.propertyNames()) {
            if (!components.containsKey(key)) {
                add(child(path, key), unknownKey(key, components.keySet(), explained));
            }
        }
        for (final RecordComponent c : components.values()) {
            final String name = c.getName();
            final String childPath = child(path, name);
            final JsonNode value = node.get(name);
            final boolean nullable = c.isAnnotationPresent(NullAllowed.class);
            if (value == null) {
                if (!explained.contains(name)) {
                    add(childPath, "missing required key '" + name + "': expected " + expect(c.getGenericType(), name)
                        + (nullable ? " or null" : "") + "; every key is required"
                        + (nullable ? " (write null for none)" : ""));
                }
            } else if (kind != null && "kind".equals(name)) {
                checkKind(value, childPath, kind);
            } else {
                checkValue(c.getGenericType(), name, value, childPath, nullable);
            }
        }
    }

    private void checkKind(final JsonNode value, final String path, final ConfigKind expected) {
        if (value.isString() && expected.jsonName().equals(value.stringValue())) {
            return;
        }
        final Optional<ConfigKind> other = value.isString()
            ? ConfigKind.fromJsonName(value.stringValue()) : Optional.empty();
        if (other.isPresent()) {
            add(path, "kind is \"" + other.get() + "\" but a " + expected + " config is expected here");
        } else {
            add(path, "expected \"" + expected + "\", found " + describe(value));
        }
    }

    private void checkValue(final Type type, final String key, final JsonNode value, final String path,
        final boolean nullable) {
        if (value.isNull()) {
            if (!nullable) {
                add(path, "null is not allowed here: expected " + expect(type, key));
            }
            return;
        }
        final Class<?> raw = raw(type);
        if (raw == int.class || raw == Integer.class) {
            integral(value, path, key, value.canConvertToInt(), "int");
        } else if (raw == long.class || raw == Long.class) {
            integral(value, path, key, value.canConvertToLong(), "long");
        } else if (raw == double.class || raw == Double.class) {
            if (!value.isNumber()) {
                wrongNumber(value, path, key, "a number");
            }
        } else if (raw == boolean.class || raw == Boolean.class) {
            if (!value.isBoolean()) {
                add(path, "expected true or false, found " + describe(value));
            }
        } else if (raw == String.class) {
            if (!value.isString()) {
                add(path, "expected a string, found " + describe(value));
            }
        } else if (raw.isEnum()) {
            checkEnum(raw, value, path);
        } else if (raw == List.class) {
            if (!value.isArray()) {
                add(path, "expected " + expect(type, key) + ", found " + describe(value));
                return;
            }
            final Type element = typeArgument(type, 0);
            for (int i = 0; i < value.size(); i++) {
                checkValue(element, key, value.get(i), path + "[" + i + "]", false);
            }
        } else if (raw == Map.class) {
            if (!value.isObject()) {
                add(path, "expected " + expect(type, key) + ", found " + describe(value));
                return;
            }
            final Type element = typeArgument(type, 1);
            for (final String k : value.propertyNames()) {
                checkValue(element, k, value.get(k), child(path, k), false);
            }
        } else if (raw.isRecord()) {
            if (!value.isObject()) {
                add(path, "expected " + expect(type, key) + ", found " + describe(value));
                return;
            }
            checkRecord(raw, value, path, null);
        } else {
            throw new IllegalStateException("config records may not use " + type + " (" + path + ")");
        }
    }

    private void integral(final JsonNode value, final String path, final String key, final boolean fits,
        final String javaType) {
        if (!value.isIntegralNumber()) {
            wrongNumber(value, path, key, "an integer");
        } else if (!fits) {
            add(path, value + " is too large for a " + javaType);
        }
    }

    private void wrongNumber(final JsonNode value, final String path, final String key, final String expected) {
        final Optional<Units.Unit> unit = Units.of(key);
        if (value.isString()) {
            add(path, "expected " + expected + unit.map(u -> " " + u.inUnit()).orElse("") + ", found the string \""
                + value.stringValue() + "\": give a plain number"
                + unit.map(u -> " in the unit of the key name (" + u.symbol() + "); units are part of key names,"
                    + " never of values").orElse(", without quotes"));
        } else {
            add(path, "expected " + expected + unit.map(u -> " " + u.inUnit()).orElse("") + ", found "
                + describe(value));
        }
    }

    private void checkEnum(final Class<?> type, final JsonNode value, final String path) {
        final List<String> allowed = Arrays.stream(type.getEnumConstants()).map(Object::toString).toList();
        if (value.isString() && allowed.contains(value.stringValue())) {
            return;
        }
        final String hint = value.isString()
            ? Suggest.closest(value.stringValue(), allowed).map(s -> "; did you mean \"" + s + "\"?").orElse("")
            : "";
        add(path, "expected one of " + quoted(allowed) + ", found " + describe(value) + hint);
    }

    private static String unknownKey(final String key, final Set<String> known, final Set<String> explained) {
        final Optional<Units.Unit> unit = Units.of(key);
        final String base = Units.base(key);
        for (final String k : known) {
            final Optional<Units.Unit> expectedUnit = Units.of(k);
            if (expectedUnit.isPresent() && Units.base(k).equals(base)) {
                explained.add(k);
                final String expected = expectedUnit.get().inUnit();
                return unit.map(u -> "unknown key '" + key + "': units are part of key names, and '" + key + "' is "
                        + u.inUnit() + " while this field is '" + k + "' " + expected + ": rename the key to '"
                        + k + "' and give the value " + expected)
                    .orElse("unknown key '" + key + "': units are part of key names; the expected key is '" + k
                        + "' with the value " + expected);
            }
        }
        final Optional<String> close = Suggest.closest(key, known);
        if (close.isPresent()) {
            explained.add(close.get());
            return "unknown key '" + key + "'; did you mean '" + close.get() + "'?";
        }
        return "unknown key '" + key + "'; the known keys are: " + String.join(", ", known);
    }

    private static String expect(final Type type, final String key) {
        final Class<?> raw = raw(type);
        final String unit = Units.of(key).map(u -> " " + u.inUnit()).orElse("");
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            return "an integer" + unit;
        } else if (raw == double.class || raw == Double.class) {
            return "a number" + unit;
        } else if (raw == boolean.class || raw == Boolean.class) {
            return "true or false";
        } else if (raw == String.class) {
            return "a string";
        } else if (raw.isEnum()) {
            return "one of " + quoted(Arrays.stream(raw.getEnumConstants()).map(Object::toString).toList());
        } else if (raw == List.class) {
            return "an array whose entries are " + expect(typeArgument(type, 0), key);
        } else if (raw == Map.class) {
            return "an object whose values are " + expect(typeArgument(type, 1), key);
        } else if (raw.isRecord()) {
            return "an object with the keys " + Arrays.stream(raw.getRecordComponents()).map(RecordComponent::getName)
                .collect(Collectors.joining(", "));
        }
        return type.getTypeName();
    }

    private static String quoted(final List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", "));
    }

    private static Class<?> raw(final Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
            return c;
        }
        throw new IllegalStateException("config records may not use " + type);
    }

    private static Type typeArgument(final Type type, final int index) {
        if (type instanceof ParameterizedType p) {
            return p.getActualTypeArguments()[index];
        }
        throw new IllegalStateException("raw collection type in a config record: " + type);
    }

    /**
     * @param node a JSON value.
     * @return a short description for messages, e.g. {@code the string "400 GB/s"} or {@code the number 1.5}.
     */
    static String describe(final JsonNode node) {
        if (node == null || node.isMissingNode()) {
            return "nothing";
        } else if (node.isNull()) {
            return "null";
        } else if (node.isString()) {
            return "the string \"" + node.stringValue() + "\"";
        } else if (node.isNumber()) {
            return "the number " + node;
        } else if (node.isBoolean()) {
            return node.toString();
        } else if (node.isArray()) {
            return "an array";
        }
        return "an object";
    }

    /**
     * @param path a JSON path.
     * @param key  a property name.
     * @return {@code path.key}, or {@code path['key']} when the key is not a plain identifier.
     */
    static String child(final String path, final String key) {
        if (IDENTIFIER.matcher(key).matches()) {
            return path + "." + key;
        }
        return path + "['" + key.replace("\\", "\\\\").replace("'", "\\'") + "']";
    }

    /**
     * Lists the numeric fields of a record type, nested records included with dotted names
     * ({@code nvSwitch.aggregateBandwidthGBps}).
     *
     * @param type   a record type.
     * @param prefix prefix for the names, {@code ""} at the top.
     * @return the dotted names of every {@code int}, {@code long}, {@code double} (or boxed) component.
     */
    static List<String> numericFields(final Class<?> type, final String prefix) {
        final List<String> names = new ArrayList<>();
        for (final RecordComponent c : type.getRecordComponents()) {
            final Class<?> raw = c.getType();
            if (raw.isRecord()) {
                names.addAll(numericFields(raw, prefix + c.getName() + "."));
            } else if (raw.isPrimitive() && raw != boolean.class || Number.class.isAssignableFrom(raw)) {
                names.add(prefix + c.getName());
            }
        }
        return names;
    }

    /**
     * Lists every field of a record type, nested records included both as themselves and with their dotted fields.
     *
     * @param type   a record type.
     * @param prefix prefix for the names, {@code ""} at the top.
     * @return the dotted names.
     */
    static List<String> allFields(final Class<?> type, final String prefix) {
        final List<String> names = new ArrayList<>();
        for (final RecordComponent c : type.getRecordComponents()) {
            names.add(prefix + c.getName());
            if (c.getType().isRecord()) {
                names.addAll(allFields(c.getType(), prefix + c.getName() + "."));
            }
        }
        return names;
    }

    private void add(final String path, final String reason) {
        problems.add(new ConfigProblem(file, path, reason));
    }
}
