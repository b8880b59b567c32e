package dev.ep4j.api.tensor;

import dev.ep4j.api.error.InvalidInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1.0, 2.0 and 3.0), C order and little-endian only.
 *
 * <p>File layout: the magic {@code \x93NUMPY}, the major and minor version bytes, the header length (unsigned
 * little-endian: 2 bytes in 1.0, 4 bytes in 2.0 and 3.0), the header, then the raw data. The header is a Python
 * dict literal with exactly the keys {@code descr}, {@code fortran_order} and {@code shape}, padded with spaces and
 * ended by {@code '\n'} so that the data starts at a multiple of 64 bytes. Headers are Latin-1 in 1.0 and 2.0,
 * UTF-8 in 3.0.
 *
 * <p>Writing produces version 1.0 (version 2.0 when the header exceeds 65535 bytes) with the header
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} as NumPy formats it; the descr is
 * {@link DType#npyDescr()}, so BF16 is written as its raw bits {@code <u2} and FP8 e4m3 as {@code |u1}.
 *
 * <p>Reading maps the descr to a {@link DType}: {@code <f4 <f8 |i1 |u1 <i2 <i4 <i8 |b1} to FLOAT32, FLOAT64,
 * INT8, UINT8, INT16, INT32, INT64, BOOL, and {@code <u2} (which only BF16 is written as; there is no UINT16) to
 * BF16. One-byte types are accepted with any byte-order character ({@code | < > =}). {@link #read(Path, DType)}
 * also reinterprets raw bits: a file whose descr is {@code expected.npyDescr()} is read as {@code expected}, so
 * {@code |u1} can be read as FP8_E4M3. Rejected, with an {@link InvalidInputException} naming the file and the
 * offending value: a bad magic, an unknown version, a malformed header, missing or extra keys, big-endian or
 * native-order ({@code =}) multi-byte types, unknown descrs, {@code fortran_order: True}, negative dimensions,
 * data larger than 2 GiB, and a data section shorter or longer than the shape requires.
 *
 * <p>Stateless and thread-safe (concurrent calls on the same file are the caller's business).
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Data starts at a multiple of this many bytes. */
    private static final int ALIGN = 64;
    private static final int V1_MAX_HEADER = 0xFFFF;
    /** The header keys NumPy requires, no more and no fewer. */
    private static final Set<String> KEYS = Set.of("descr", "fortran_order", "shape");

    private Npy() {
    }

    /**
     * Writes a tensor as a {@code .npy} file (created or truncated).
     *
     * @param path   destination file.
     * @param tensor the tensor; its dtype's {@link DType#npyDescr()} is the descr written.
     * @throws IOException when the file cannot be written.
     */
    public static void write(final Path path, final HostTensor tensor) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(tensor, "tensor");
        final ByteBuffer header = header(tensor.dtype(), tensor.shape());
        final ByteBuffer data = tensor.buffer().duplicate();
        data.clear();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
            while (header.hasRemaining()) {
                ch.write(header);
            }
            while (data.hasRemaining()) {
                ch.write(data);
            }
        }
    }

    /**
     * Reads a {@code .npy} file, choosing the dtype from its descr (see the class comment).
     *
     * @param path the file.
     * @return a new tensor with the file's shape and content.
     * @throws IOException when the file cannot be read.
     * @throws InvalidInputException when the file is not a supported {@code .npy} file.
     */
    public static HostTensor read(final Path path) throws IOException {
        return read(path, null);
    }

    /**
     * Reads a {@code .npy} file whose element type must be {@code expected}: the file's descr must map to
     * {@code expected} or equal {@code expected.npyDescr()} (raw-bit reinterpretation, e.g. {@code |u1} as
     * FP8_E4M3, {@code <u2} as BF16).
     *
     * @param path     the file.
     * @param expected the dtype required, or null to accept any supported descr.
     * @return a new tensor of dtype {@code expected} (when given).
     * @throws IOException when the file cannot be read.
     * @throws InvalidInputException when the file is not a supported {@code .npy} file or holds another type.
     */
    public static HostTensor read(final Path path, final DType expected) throws IOException {
        Objects.requireNonNull(path, "path");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            final ByteBuffer prefix = readFully(ch, path, 10, "the .npy preamble");
            for (int i = 0; i < MAGIC.length; i++) {
                if (prefix.get(i) != MAGIC[i]) {
                    throw bad(path, "not a .npy file: the first 6 bytes are " + hex(prefix, 6)
                        + ", expected 93 4e 55 4d 50 59 (\\x93NUMPY)");
                }
            }
            final int major = prefix.get(6) & 0xFF;
            final int minor = prefix.get(7) & 0xFF;
            final long headerLen;
            final long dataStart;
            if (major == 1 && minor == 0) {
                headerLen = prefix.getShort(8) & 0xFFFF;
                dataStart = 10 + headerLen;
            } else if ((major == 2 || major == 3) && minor == 0) {
                ch.position(8);
                headerLen = readFully(ch, path, 4, "the header length").getInt(0) & 0xFFFFFFFFL;
                dataStart = 12 + headerLen;
            } else {
                throw bad(path, "unsupported .npy format version " + major + "." + minor
                    + "; supported: 1.0, 2.0, 3.0");
            }
            if (dataStart > ch.size()) {
                throw bad(path, "truncated header: header length " + headerLen + " but the file has only "
                    + ch.size() + " bytes");
            }
            final ByteBuffer hb = readFully(ch, path, (int) headerLen, "the header");
            final String text = new String(hb.array(), 0, (int) headerLen,
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
            final Map<String, Object> dict = new HeaderParser(text, path).parse();
            final DType dtype = dtypeOf(path, dict, expected);
            final long[] shape = shapeOf(path, dict);
            final long numel = numel(path, shape);
            final long bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
            final long actual = ch.size() - dataStart;
            if (actual != bytes) {
                throw bad(path, (actual < bytes ? "truncated data: " : "unexpected trailing data: ") + "shape "
                    + Arrays.toString(shape) + " of " + dtype + " needs " + bytes + " data bytes, the file has "
                    + actual);
            }
            if (bytes > Integer.MAX_VALUE) {
                throw bad(path, "data of " + bytes + " bytes exceeds the 2 GiB limit of HostTensor");
            }
            final HostTensor out = HostTensor.zeros(dtype, shape);
            final ByteBuffer dst = out.buffer().duplicate();
            dst.clear();
            ch.position(dataStart);
            while (dst.hasRemaining()) {
                if (ch.read(dst) < 0) {
                    throw bad(path, "truncated data: end of file after " + dst.position() + " of " + bytes
                        + " data bytes");
                }
            }
            return out;
        }
    }

    /**
     * Builds the preamble and padded header for a dtype and shape (version 1.0, or 2.0 when it does not fit).
     */
    static ByteBuffer header(final DType dtype, final long[] shape) {
        final StringBuilder sb = new StringBuilder(64);
        sb.append("{'descr': '").append(dtype.npyDescr()).append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        sb.append(shape.length == 1 ? ",), }" : "), }");
        final byte[] dict = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        int lenField = 2;
        int total = MAGIC.length + 2 + lenField + dict.length + 1;
        int padded = (total + ALIGN - 1) / ALIGN * ALIGN;
        if (padded - MAGIC.length - 2 - lenField > V1_MAX_HEADER) {
            lenField = 4;
            total = MAGIC.length + 2 + lenField + dict.length + 1;
            padded = (total + ALIGN - 1) / ALIGN * ALIGN;
        }
        final int headerLen = padded - MAGIC.length - 2 - lenField;
        final ByteBuffer out = ByteBuffer.allocate(padded).order(ByteOrder.LITTLE_ENDIAN);
        out.put(MAGIC).put((byte) (lenField == 2 ? 1 : 2)).put((byte) 0);
        if (lenField == 2) {
            out.putShort((short) headerLen);
        } else {
            out.putInt(headerLen);
        }
        out.put(dict);
        while (out.position() < padded - 1) {
            out.put((byte) ' ');
        }
        out.put((byte) '\n');
        out.flip();
        return out;
    }

    private static DType dtypeOf(final Path path, final Map<String, Object> dict, final DType expected) {
        final Object d = dict.get("descr");
        if (!(d instanceof String)) {
            throw bad(path, "header 'descr' must be a string, got " + d);
        }
        final String descr = (String) d;
        if (descr.length() != 3) {
            throw bad(path, "unsupported descr '" + descr + "' (structured, string or unusual types are not "
                + "supported); supported: <f4 <f8 |i1 |u1 <i2 <u2 <i4 <i8 |b1");
        }
        final char order = descr.charAt(0);
        final String kind = descr.substring(1);
        final boolean oneByte = kind.endsWith("1");
        if (!oneByte && order == '>') {
            throw bad(path, "big-endian descr '" + descr + "' is not supported; save it little-endian, e.g. "
                + "arr.astype(arr.dtype.newbyteorder('<'))");
        }
        if (!oneByte && order != '<') {
            throw bad(path, "descr '" + descr + "' has byte order '" + order + "'; only little-endian '<' is "
                + "supported for multi-byte types");
        }
        if (oneByte && "|<>=".indexOf(order) < 0) {
            throw bad(path, "descr '" + descr + "' has an unknown byte-order character '" + order + "'");
        }
        final String normalized = (oneByte ? "|" : "<") + kind;
        if (expected != null && expected.npyDescr().equals(normalized)) {
            return expected;
        }
        final DType found;
        switch (normalized) {
            case "<f4":
                found = DType.FLOAT32;
                break;
            case "<f8":
                found = DType.FLOAT64;
                break;
            case "|i1":
                found = DType.INT8;
                break;
            case "|u1":
                found = DType.UINT8;
                break;
            case "<i2":
                found = DType.INT16;
                break;
            case "<u2":
                found = DType.BF16;
                break;
            case "<i4":
                found = DType.INT32;
                break;
            case "<i8":
                found = DType.INT64;
                break;
            case "|b1":
                found = DType.BOOL;
                break;
            default:
                throw bad(path, "unsupported descr '" + descr + "'; supported: <f4 <f8 |i1 |u1 <i2 <u2 <i4 <i8 "
                    + "|b1");
        }
        if (expected != null && found != expected) {
            throw bad(path, "holds descr '" + descr + "' (" + found + ") but " + expected + " (descr '"
                + expected.npyDescr() + "') was expected");
        }
        return found;
    }

    private static long[] shapeOf(final Path path, final Map<String, Object> dict) {
        final Object fortran = dict.get("fortran_order");
        if (Boolean.TRUE.equals(fortran)) {
            throw bad(path, "fortran_order: True (column-major data) is not supported; save a C-order array, "
                + "e.g. np.save(path, np.ascontiguousarray(arr))");
        }
        if (!Boolean.FALSE.equals(fortran)) {
            throw bad(path, "header 'fortran_order' must be True or False, got " + fortran);
        }
        final Object s = dict.get("shape");
        if (!(s instanceof long[])) {
            throw bad(path, "header 'shape' must be a tuple of integers, got " + s);
        }
        final long[] shape = (long[]) s;
        for (final long dim : shape) {
            if (dim < 0) {
                throw bad(path, "negative dimension " + dim + " in shape " + Arrays.toString(shape));
            }
        }
        return shape;
    }

    private static long numel(final Path path, final long[] shape) {
        long n = 1;
        for (final long d : shape) {
            try {
                n = Math.multiplyExact(n, d);
            } catch (final ArithmeticException e) {
                throw bad(path, "shape " + Arrays.toString(shape) + " overflows a long element count");
            }
        }
        return n;
    }

    private static ByteBuffer readFully(final FileChannel ch, final Path path, final int n, final String what)
        throws IOException {
        final ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw bad(path, "truncated file: end of file while reading " + what + " (" + b.position() + " of "
                    + n + " bytes)");
            }
        }
        return b;
    }

    private static String hex(final ByteBuffer b, final int n) {
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", b.get(i) & 0xFF));
        }
        return sb.toString();
    }

    private static InvalidInputException bad(final Path path, final String what) {
        return new InvalidInputException(path + ": " + what);
    }

    /** Parses the restricted Python dict literal of a .npy header. */
    private static final class HeaderParser {
        private final String s;
        private final Path path;
        private int i;

        HeaderParser(final String s, final Path path) {
            this.s = s;
            this.path = path;
        }

        Map<String, Object> parse() {
            final Map<String, Object> out = new LinkedHashMap<>();
            skipSpace();
            expect('{');
            while (true) {
                skipSpace();
                if (peek() == '}') {
                    i++;
                    break;
                }
                final String key = parseString();
                skipSpace();
                expect(':');
                skipSpace();
                final Object value = parseValue();
                if (out.put(key, value) != null) {
                    throw error("duplicate key '" + key + "'");
                }
                skipSpace();
                if (peek() == ',') {
                    i++;
                } else if (peek() != '}') {
                    throw error("expected ',' or '}'");
                }
            }
            skipSpace();
            if (i != s.length()) {
                throw error("unexpected text after the dict");
            }
            if (!out.keySet().equals(KEYS)) {
                throw bad(path, "header keys " + out.keySet() + " must be exactly [descr, fortran_order, shape]");
            }
            return out;
        }

        private Object parseValue() {
            final char c = peek();
            if (c == '\'' || c == '"') {
                return parseString();
            }
            if (c == '(') {
                return parseTuple();
            }
            if (s.startsWith("True", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("False", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            throw error("unsupported value");
        }

        private long[] parseTuple() {
            expect('(');
            final List<Long> dims = new ArrayList<>();
            boolean trailingComma = false;
            while (true) {
                skipSpace();
                if (peek() == ')') {
                    i++;
                    break;
                }
                dims.add(parseInt());
                skipSpace();
                if (peek() == ',') {
                    i++;
                    trailingComma = true;
                } else if (peek() == ')') {
                    trailingComma = false;
                } else {
                    throw error("expected ',' or ')' in the shape tuple");
                }
            }
            if (dims.size() == 1 && !trailingComma) {
                throw error("a one-element shape tuple needs a trailing comma, e.g. (5,)");
            }
            final long[] out = new long[dims.size()];
            for (int k = 0; k < out.length; k++) {
                out[k] = dims.get(k);
            }
            return out;
        }

        private long parseInt() {
            final int start = i;
            if (peek() == '-' || peek() == '+') {
                i++;
            }
            while (i < s.length() && Character.isDigit(s.charAt(i))) {
                i++;
            }
            final String digits = s.substring(start, i);
            if (peek() == 'L') {
                i++; // Python 2 long suffix.
            }
            try {
                return Long.parseLong(digits);
            } catch (final NumberFormatException e) {
                throw error("bad integer '" + digits + "'");
            }
        }

        private String parseString() {
            final char q = peek();
            if (q != '\'' && q != '"') {
                throw error("expected a quoted string");
            }
            final int end = s.indexOf(q, i + 1);
            if (end < 0) {
                throw error("unterminated string");
            }
            final String out = s.substring(i + 1, end);
            i = end + 1;
            return out;
        }

        private void skipSpace() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\n' || s.charAt(i) == '\t'
                || s.charAt(i) == '\r')) {
                i++;
            }
        }

        private char peek() {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        private void expect(final char c) {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            i++;
        }

        private InvalidInputException error(final String what) {
            return bad(path, "malformed header at offset " + i + ": " + what + " in " + quote(s));
        }

        private static String quote(final String text) {
            final String t = text.length() > 200 ? text.substring(0, 200) + "..." : text;
            return '"' + t.replace("\n", "\\n") + '"';
        }
    }
}
