// nvshmem_stub.cu: the NVSHMEM part of the C API for a libep4j_kernels.so built without NVSHMEM.
// Every call returns EP4J_E_NO_NVSHMEM with the fix; the kernels that need no NVSHMEM work as usual.
#include "ep4j_internal.h"

namespace {

int no_nvshmem(const char* api) {
    return ep4j::fail(EP4J_ERR_NO_NVSHMEM, EP4J_E_NO_NVSHMEM, 0, api,
                      "%s: this libep4j_kernels.so was built without NVSHMEM; rebuild with NVSHMEM_HOME set to an "
                      "NVSHMEM 3.x folder (include/nvshmem.h, lib/libnvshmem_device.a), e.g. <site-packages>/nvidia/"
                      "nvshmem, or NVSHMEM_WHEEL=<nvidia_nvshmem_cu13 wheel>", api);
}

}  // namespace

extern "C" {

int ep4j_nvshmem_built(void) { return 0; }
int ep4j_nvshmem_header_version(void) { return 0; }
int ep4j_nvshmem_library_version(void) { return 0; }
int ep4j_nvshmem_uniqueid_size(void) { return EP4J_UNIQUEID_BYTES; }
int ep4j_nvshmem_preflight(void) { return no_nvshmem("ep4j_nvshmem_preflight"); }
int ep4j_nvshmem_get_uniqueid(void*) { return no_nvshmem("ep4j_nvshmem_get_uniqueid"); }
int ep4j_nvshmem_init_uid(const void*, int, int, int) { return no_nvshmem("ep4j_nvshmem_init_uid"); }
int ep4j_nvshmem_is_initialized(void) { return 0; }
int ep4j_nvshmem_my_pe(void) { return no_nvshmem("ep4j_nvshmem_my_pe"); }
int ep4j_nvshmem_n_pes(void) { return no_nvshmem("ep4j_nvshmem_n_pes"); }
int ep4j_nvshmem_malloc(int64_t, int64_t* out_ptr) {
    if (out_ptr != nullptr) *out_ptr = 0;
    return no_nvshmem("ep4j_nvshmem_malloc");
}
int ep4j_nvshmem_free(int64_t) { return no_nvshmem("ep4j_nvshmem_free"); }
int ep4j_nvshmem_barrier_all(void) { return no_nvshmem("ep4j_nvshmem_barrier_all"); }
int ep4j_nvshmem_finalize(void) { return EP4J_OK; }

}  // extern "C"
