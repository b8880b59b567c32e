/**
 * Cluster shape and rank arithmetic: nodes x GPUs per node, any NVLink domain size.
 */
package dev.ep4j.api.topology;
