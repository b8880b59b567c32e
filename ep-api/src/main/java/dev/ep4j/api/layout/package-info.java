/**
 * The dispatch layout: the pure reference of DeepEP's layout kernel (per-rank, per-node and per-expert token counts
 * and the token-by-rank membership matrix), shared by both backends and by the tests.
 */
package dev.ep4j.api.layout;
