/**
 * The operation contract: requests, results, handles and per-call stats of dispatch and combine in normal and
 * low-latency mode. Value types only; the backends implement the behaviour.
 */
package dev.ep4j.api.op;
