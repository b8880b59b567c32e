/**
 * ep4j's API: the per-rank {@link dev.ep4j.api.EpBuffer}, groups, buffer specs and the backend SPI with
 * {@link dev.ep4j.api.Backends} for discovery. Backends implement it; users program against it.
 */
package dev.ep4j.api;
