package dev.ep4j.api.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Optional cross-check against NumPy itself: runs only where {@code python3 -c "import numpy"} works and is skipped
 * with the reason otherwise. The suite never depends on it.
 */
class NpyNumpyCrossCheckTest {

    private static final long[][] SHAPES = {{}, {0}, {5}, {2, 3, 4}};
    private static boolean numpy;

    @TempDir
    Path dir;

    @BeforeAll
    static void probe() {
        try {
            numpy = run(List.of("python3", "-c", "import numpy"), 30).exitCode == 0;
        } catch (final IOException e) {
            numpy = false;
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(final List<String> cmd, final int timeoutSeconds) throws IOException {
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timed out");
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return new Result(-1, "interrupted");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static String pyShape(final long[] shape) {
        return shape.length == 0 ? "" : Arrays.stream(shape).mapToObj(Long::toString)
            .collect(Collectors.joining(","));
    }

    @Test
    void numpyShouldLoadWhatWeWrite() throws IOException {
        assumeTrue(numpy, "python3 with numpy is not available; NumPy cross-check skipped");
        final SplittableRandom rnd = new SplittableRandom(12);
        final List<String> manifest = new ArrayList<>();
        for (final DType dtype : DType.values()) {
            for (int k = 0; k < SHAPES.length; k++) {
                final long[] shape = SHAPES[k];
                final HostTensor t = HostTensor.zeros(dtype, shape);
                for (int i = 0; i < t.buffer().capacity(); i++) {
                    t.buffer().put(i, (byte) (dtype == DType.BOOL ? rnd.nextInt(2) : rnd.nextInt(256)));
                }
                final String name = "java_" + dtype + "_" + k;
                Npy.write(dir.resolve(name + ".npy"), t);
                final ByteBuffer raw = t.buffer().duplicate().clear();
                final byte[] bytes = new byte[raw.remaining()];
                raw.get(bytes);
                Files.write(dir.resolve(name + ".bin"), bytes);
                manifest.add(name + " " + dtype.npyDescr() + " " + pyShape(shape));
            }
        }
        Files.write(dir.resolve("manifest.txt"), manifest);
        final String script = String.join("\n",
            "import sys, os, numpy as np",
            "d = sys.argv[1]",
            "n = 0",
            "for line in open(os.path.join(d, 'manifest.txt')):",
            "    parts = line.split()",
            "    name, descr = parts[0], parts[1]",
            "    shape = tuple(int(s) for s in parts[2].split(',')) if len(parts) > 2 else ()",
            "    a = np.load(os.path.join(d, name + '.npy'))",
            "    raw = open(os.path.join(d, name + '.bin'), 'rb').read()",
            "    assert a.dtype.str == descr, (name, a.dtype.str, descr)",
            "    assert a.shape == shape, (name, a.shape, shape)",
            "    assert a.tobytes() == raw, name",
            "    n += 1",
            "print('OK', n)");
        final Result r = run(List.of("python3", "-c", script, dir.toString()), 120);
        assertThat(r.output.trim()).as(r.output).isEqualTo("OK " + manifest.size());
    }

    @Test
    void weShouldReadWhatNumpyWrites() throws IOException {
        assumeTrue(numpy, "python3 with numpy is not available; NumPy cross-check skipped");
        final String script = String.join("\n",
            "import sys, os, numpy as np",
            "d = sys.argv[1]",
            "for dt in ['<f4', '<f8', '|i1', '|u1', '<i2', '<u2', '<i4', '<i8', '|b1']:",
            "    for k, shape in enumerate([(), (0,), (5,), (2, 3, 4)]):",
            "        n = int(np.prod(shape))",
            "        v = np.arange(n) % 7",
            "        a = (v % 2 == 1) if dt == '|b1' else (v - 3 if dt[1] in 'if' else v).astype(dt)",
            "        np.save(os.path.join(d, 'py_%s_%d.npy' % (dt[1:], k)), a.reshape(shape))",
            "print('OK')");
        final Result r = run(List.of("python3", "-c", script, dir.toString()), 120);
        assertThat(r.output.trim()).as(r.output).isEqualTo("OK");
        final String[][] types = {{"f4", "FLOAT32"}, {"f8", "FLOAT64"}, {"i1", "INT8"}, {"u1", "UINT8"},
            {"i2", "INT16"}, {"u2", "BF16"}, {"i4", "INT32"}, {"i8", "INT64"}, {"b1", "BOOL"}};
        int files = 0;
        for (final String[] type : types) {
            final DType dtype = DType.valueOf(type[1]);
            for (int k = 0; k < SHAPES.length; k++) {
                final long[] shape = SHAPES[k];
                final HostTensor t = Npy.read(dir.resolve("py_" + type[0] + "_" + k + ".npy"));
                assertThat(t.dtype()).isEqualTo(dtype);
                assertThat(t.shape()).isEqualTo(shape);
                for (int i = 0; i < t.numel(); i++) {
                    final long v = i % 7;
                    switch (dtype) {
                        case FLOAT32:
                            assertThat(t.getFloat(i)).isEqualTo((float) (v - 3));
                            break;
                        case FLOAT64:
                            assertThat(t.getDouble(i)).isEqualTo((double) (v - 3));
                            break;
                        case BOOL:
                            assertThat(t.getBool(i)).isEqualTo(v % 2 == 1);
                            break;
                        case BF16: // written by NumPy as uint16
                            assertThat(t.getShort(i)).isEqualTo((short) v);
                            break;
                        case UINT8:
                            assertThat(t.getIntegral(i)).isEqualTo(v);
                            break;
                        default:
                            assertThat(t.getIntegral(i)).isEqualTo(v - 3);
                            break;
                    }
                }
                files++;
            }
        }
        assertThat(files).isEqualTo(types.length * SHAPES.length);
    }
}
