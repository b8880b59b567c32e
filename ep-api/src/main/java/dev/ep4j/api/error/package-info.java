/**
 * The exceptions ep4j throws: {@link dev.ep4j.api.error.EpException} and one subclass per failure domain. Every
 * message names the value, the limit and the fix.
 */
package dev.ep4j.api.error;
