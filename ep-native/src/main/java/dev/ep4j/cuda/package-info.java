/**
 * The {@code cuda} backend (DESIGN.md §5): Java orchestration of the Hopper kernels. Today only its provider
 * exists, reporting "not implemented yet".
 */
package dev.ep4j.cuda;
