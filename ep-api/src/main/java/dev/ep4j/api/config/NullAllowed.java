package dev.ep4j.api.config;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a config record component whose value may be {@code null}. The key itself is still required in the file
 * (strict loading rejects missing keys), so an absent value is written as an explicit {@code "key": null}. The
 * generated JSON Schema allows {@code null} for exactly these keys.
 *
 * <p>A marker without state; thread-safe.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
public @interface NullAllowed {
}
