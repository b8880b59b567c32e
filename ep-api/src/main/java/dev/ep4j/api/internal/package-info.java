/**
 * Implementation helpers not meant for users (direct memory release).
 */
package dev.ep4j.api.internal;
