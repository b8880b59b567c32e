package dev.ep4j.api.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * Eager release of direct buffers. The JVM frees direct memory only when a GC collects the buffer object, so code
 * that allocates large buffers in a loop stalls in the allocator (it triggers {@code System.gc()} and backs off);
 * releasing explicitly avoids that. Uses {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported) when
 * present and falls back to leaving the buffer to the GC. Not for users: a released buffer must never be touched
 * again. Thread-safe.
 */
public final class DirectMemory {
    private static final MethodHandle INVOKE_CLEANER = find();

    private DirectMemory() {
    }

    private static MethodHandle find() {
        try {
            final Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            final Field f = unsafeClass.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            final Object unsafe = f.get(null);
            return MethodHandles.lookup().findVirtual(unsafeClass, "invokeCleaner",
                MethodType.methodType(void.class, ByteBuffer.class)).bindTo(unsafe);
        } catch (final ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * @return true when buffers can be released eagerly on this JVM.
     */
    public static boolean canRelease() {
        return INVOKE_CLEANER != null;
    }

    /**
     * Releases a direct buffer's memory now (no-op for heap buffers, or when unsupported).
     *
     * @param buffer a direct buffer allocated with {@link ByteBuffer#allocateDirect}, not a slice or duplicate.
     */
    public static void release(final ByteBuffer buffer) {
        if (INVOKE_CLEANER == null || !buffer.isDirect()) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact(buffer);
        } catch (final Throwable t) {
            // not releasable (e.g. a view): the GC frees it later
        }
    }
}
