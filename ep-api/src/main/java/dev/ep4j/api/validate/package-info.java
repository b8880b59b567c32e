/**
 * Argument validation shared by every backend: {@link dev.ep4j.api.validate.OpValidator}.
 */
package dev.ep4j.api.validate;
