package dev.ep4j.api.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ep4j.api.error.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    private static final long[][] SHAPES = {{}, {0}, {5}, {2, 3, 4}, {3, 0, 2}, {1, 1, 1, 1, 7}, {1000}};

    @TempDir
    Path dir;

    private static HostTensor random(final DType dtype, final long[] shape, final SplittableRandom rnd) {
        final HostTensor t = HostTensor.zeros(dtype, shape);
        final ByteBuffer b = t.buffer();
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) rnd.nextInt(256));
        }
        if (dtype == DType.BOOL) {
            for (int i = 0; i < b.capacity(); i++) {
                b.put(i, (byte) (b.get(i) & 1));
            }
        }
        return t;
    }

    /** A .npy file built byte by byte. */
    private static byte[] file(final int major, final String header, final byte[] data) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        final byte[] h = header.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        if (major == 1) {
            out.write(h.length & 0xFF);
            out.write(h.length >>> 8);
        } else {
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(h.length).array());
        }
        out.writeBytes(h);
        out.writeBytes(data);
        return out.toByteArray();
    }

    private Path write(final String name, final byte[] bytes) throws IOException {
        final Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void shouldRoundTripEveryDTypeAndShape() throws IOException {
        final SplittableRandom rnd = new SplittableRandom(4);
        for (final DType dtype : DType.values()) {
            for (final long[] shape : SHAPES) {
                final HostTensor t = random(dtype, shape, rnd);
                final Path p = dir.resolve(dtype + "-" + shape.length + ".npy");
                Npy.write(p, t);
                final long size = Files.size(p);
                assertThat((size - t.byteSize()) % 64).as("data offset of %s %s", dtype, Arrays.toString(shape))
                    .isZero();
                final HostTensor typed = Npy.read(p, dtype);
                assertThat(typed.contentEquals(t)).as("%s %s", dtype, Arrays.toString(shape)).isTrue();
                final HostTensor untyped = Npy.read(p);
                assertThat(untyped.shape()).isEqualTo(shape);
                assertThat(untyped.dtype()).isEqualTo(dtype == DType.FP8_E4M3 ? DType.UINT8 : dtype);
                assertThat(untyped.buffer().equals(t.buffer().duplicate().clear())).isTrue();
            }
        }
    }

    @Test
    void shouldWriteTheExactGoldenBytes() throws IOException {
        final HostTensor t = HostTensor.zeros(DType.INT32, 2);
        t.setInt(0, 1);
        t.setInt(1, -2);
        final Path p = dir.resolve("golden.npy");
        Npy.write(p, t);
        final String dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }";
        final ByteArrayOutputStream want = new ByteArrayOutputStream();
        want.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0});
        want.writeBytes(dict.getBytes(StandardCharsets.US_ASCII));
        want.writeBytes(" ".repeat(60).getBytes(StandardCharsets.US_ASCII));
        want.write('\n');
        want.writeBytes(new byte[] {1, 0, 0, 0, (byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        assertThat(Files.readAllBytes(p)).isEqualTo(want.toByteArray());

        assertThat(headerText(DType.FLOAT64, new long[0]))
            .isEqualTo("{'descr': '<f8', 'fortran_order': False, 'shape': (), }");
        assertThat(headerText(DType.BF16, new long[] {4, 0, 7168}))
            .isEqualTo("{'descr': '<u2', 'fortran_order': False, 'shape': (4, 0, 7168), }");
        assertThat(headerText(DType.FP8_E4M3, new long[] {3}))
            .isEqualTo("{'descr': '|u1', 'fortran_order': False, 'shape': (3,), }");
        assertThat(headerText(DType.BOOL, new long[] {3, 1}))
            .isEqualTo("{'descr': '|b1', 'fortran_order': False, 'shape': (3, 1), }");
    }

    private static String headerText(final DType dtype, final long[] shape) {
        final ByteBuffer h = Npy.header(dtype, shape);
        assertThat(h.remaining() % 64).isZero();
        assertThat(h.get(6)).isEqualTo((byte) 1);
        final byte[] bytes = new byte[h.remaining() - 10];
        h.position(10);
        h.get(bytes);
        final String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertThat(text).endsWith("\n");
        return text.stripTrailing();
    }

    @Test
    void shouldReadHandMadeVersion2And3Headers() throws IOException {
        final byte[] data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f)
            .putFloat(0f).putFloat(1e30f).array();
        // Different key order, double quotes, no trailing comma, whitespace: all legal Python literals.
        final String header = "{\"shape\": ( 2 , 2 ), 'fortran_order':False,'descr': '<f4'}"
            + " ".repeat(128 - 12 - 58 - 1) + "\n";
        assertThat((12 + header.length()) % 64).isZero();
        for (final int major : new int[] {2, 3}) {
            final Path p = write("v" + major + ".npy", file(major, header, data));
            final HostTensor t = Npy.read(p);
            assertThat(t.dtype()).isEqualTo(DType.FLOAT32);
            assertThat(t.shape()).containsExactly(2, 2);
            assertThat(t.getFloat(0)).isEqualTo(1.5f);
            assertThat(t.getFloat(1)).isEqualTo(-2f);
            assertThat(t.getFloat(3)).isEqualTo(1e30f);
        }
        // A one-byte type with another byte-order character and an unpadded v1 header.
        final Path p = write("i1.npy", file(1, "{'descr': '<i1', 'fortran_order': False, 'shape': (3,)}\n",
            new byte[] {-1, 0, 7}));
        final HostTensor t = Npy.read(p);
        assertThat(t.dtype()).isEqualTo(DType.INT8);
        assertThat(t.getByte(0)).isEqualTo((byte) -1);
    }

    @Test
    void shouldWriteVersion2WhenTheHeaderExceeds65535Bytes() throws IOException {
        final long[] shape = new long[22_000];
        Arrays.fill(shape, 1);
        shape[100] = 3;
        final HostTensor t = random(DType.INT16, shape, new SplittableRandom(2));
        final Path p = dir.resolve("v2.npy");
        Npy.write(p, t);
        final byte[] bytes = Files.readAllBytes(p);
        assertThat(bytes[6]).isEqualTo((byte) 2);
        assertThat((bytes.length - 6) % 64).isZero();
        final HostTensor back = Npy.read(p, DType.INT16);
        assertThat(back.contentEquals(t)).isTrue();
    }

    @Test
    void shouldReinterpretRawBitsOnlyWhenAsked() throws IOException {
        final HostTensor u8 = HostTensor.zeros(DType.UINT8, 4);
        u8.setByte(0, (byte) 0x7E);
        final Path p = dir.resolve("u8.npy");
        Npy.write(p, u8);
        assertThat(Npy.read(p, DType.FP8_E4M3).dtype()).isEqualTo(DType.FP8_E4M3);
        assertThat(Npy.read(p, DType.FP8_E4M3).getByte(0)).isEqualTo((byte) 0x7E);
        assertThat(Npy.read(p, DType.UINT8).dtype()).isEqualTo(DType.UINT8);
        assertThatThrownBy(() -> Npy.read(p, DType.INT8)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("u8.npy").hasMessageContaining("|u1").hasMessageContaining("INT8");
        final Path f = dir.resolve("f4.npy");
        Npy.write(f, HostTensor.zeros(DType.FLOAT32, 2));
        assertThatThrownBy(() -> Npy.read(f, DType.INT32)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining("f4.npy").hasMessageContaining("<f4").hasMessageContaining("INT32");
    }

    private void assertRejected(final String name, final byte[] bytes, final String... fragments) throws IOException {
        final Path p = write(name, bytes);
        final var check = assertThatThrownBy(() -> Npy.read(p)).isInstanceOf(InvalidInputException.class)
            .hasMessageContaining(name);
        for (final String f : fragments) {
            check.hasMessageContaining(f);
        }
    }

    private static String pad(final String dict) {
        final int total = 10 + dict.length() + 1;
        return dict + " ".repeat((64 - total % 64) % 64) + "\n";
    }

    @Test
    void shouldRejectMalformedFilesNamingFileAndValue() throws IOException {
        final byte[] eight = new byte[8];
        assertRejected("fortran.npy", file(1, pad("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }"),
            eight), "fortran_order");
        assertRejected("big.npy", file(1, pad("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }"), eight),
            "big-endian", ">f4");
        assertRejected("native.npy", file(1, pad("{'descr': '=f4', 'fortran_order': False, 'shape': (2,), }"),
            eight), "=f4");
        assertRejected("complex.npy", file(1, pad("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }"),
            eight), "<c8");
        assertRejected("f2.npy", file(1, pad("{'descr': '<f2', 'fortran_order': False, 'shape': (4,), }"), eight),
            "<f2");
        assertRejected("struct.npy", file(1, pad("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }"),
            eight), "malformed header");
        assertRejected("short.npy", file(1, pad("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"), eight),
            "truncated data", "12", "8");
        assertRejected("long.npy", file(1, pad("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"), eight),
            "trailing data", "4", "8");
        assertRejected("negative.npy", file(1, pad("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }"),
            eight), "-2");
        assertRejected("missing.npy", file(1, pad("{'descr': '<f4', 'shape': (2,), }"), eight), "keys");
        assertRejected("extra.npy", file(1, pad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': True}"),
            eight), "keys", "x");
        assertRejected("tuple.npy", file(1, pad("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }"), eight),
            "trailing comma");
        final byte[] v4 = file(1, pad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"), eight);
        v4[6] = 4;
        assertRejected("v4.npy", v4, "version 4.0");
        final byte[] magic = v4.clone();
        magic[1] = 'X';
        assertRejected("magic.npy", magic, "not a .npy file");
        assertRejected("tiny.npy", new byte[] {(byte) 0x93, 'N', 'U'}, "truncated file");
        final byte[] cut = file(1, pad("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"), new byte[0]);
        assertRejected("cut.npy", Arrays.copyOf(cut, 40), "truncated header");
    }
}
