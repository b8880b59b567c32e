/**
 * The {@code cuda} backend (DESIGN.md §5). Today: the native probe ({@link dev.ep4j.cuda.Cuda}), device tensors
 * ({@link dev.ep4j.cuda.DeviceTensor}), the layout kernel ({@link dev.ep4j.cuda.CudaLayout}), the copy-bandwidth probe
 * ({@link dev.ep4j.cuda.CopyBandwidth}) and the NVSHMEM host wrapper ({@link dev.ep4j.cuda.Nvshmem}). Dispatch and
 * combine ({@code EpBuffer}) come next; until then {@link dev.ep4j.cuda.CudaBackendProvider} reports the backend
 * unavailable with the reason.
 */
package dev.ep4j.cuda;
