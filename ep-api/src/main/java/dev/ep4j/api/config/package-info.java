/**
 * Configuration data: hardware profiles ({@link dev.ep4j.api.config.GpuProfile},
 * {@link dev.ep4j.api.config.NicProfile}, {@link dev.ep4j.api.config.PcieProfile}), clusters
 * ({@link dev.ep4j.api.config.TopologyConfig}), MoE shapes ({@link dev.ep4j.api.config.WorkloadConfig}) and what to
 * run ({@link dev.ep4j.api.config.ScenarioConfig}), read strictly from the JSON files under {@code configs/} by
 * {@link dev.ep4j.api.config.Configs}.
 *
 * <p>Rules shared by every config type:
 *
 * <ul>
 *   <li>Every file is one JSON object with a {@code "kind"} ({@code gpu|nic|pcie|topology|workload|scenario}) and an
 *       {@code "id"} equal to its file name without {@code .json}.
 *   <li>Units are part of key names ({@code latencyNs}, {@code bandwidthGBps}, {@code memoryGiB}); values are plain
 *       JSON numbers in that unit. A key with another unit ({@code latencyUs}) is an unknown key, and a string such as
 *       {@code "400 GB/s"} where a number is expected is rejected.
 *   <li>Every key is required. A value that may be absent is marked {@link dev.ep4j.api.config.NullAllowed} and is
 *       written as an explicit {@code null}.
 *   <li>Hardware numbers carry their source: {@code sources} maps each numeric field name to the document it comes
 *       from, or says "assumed; to be calibrated".
 *   <li>The records are immutable; their compact constructors validate ranges and throw
 *       {@link dev.ep4j.api.error.ConfigException} naming the field, the value and the allowed range.
 * </ul>
 */
package dev.ep4j.api.config;
