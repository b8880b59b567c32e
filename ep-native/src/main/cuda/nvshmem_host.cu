// nvshmem_host.cu: the NVSHMEM host API wrapped in ep4j's C API (shared/spec/native-build.md section 4).
//
// Why wrapped and not bound: nvshmem_init*/finalize are static inline in the headers and must run inside the
// device-linked library that holds the kernels (they fill that image's NVSHMEM device state); the inline
// nvshmemx_init_attr calls exit(-1) on failure, which would end the JVM; and NVSHMEM aborts the process when it
// cannot dlopen its bootstrap plugin, so ep4j_nvshmem_preflight() checks for it first.
//
// The only TU that includes the NVSHMEM headers (they cost ~6 s of nvcc each). Built only when NVSHMEM is found;
// nvshmem_stub.cu replaces it otherwise.
#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include <nvshmem.h>
#include <nvshmemx.h>

#include "ep4j_internal.h"

static_assert(sizeof(nvshmemx_uniqueid_t) == EP4J_UNIQUEID_BYTES, "EP4J_UNIQUEID_BYTES != sizeof(nvshmemx_uniqueid_t)");

namespace {

// NVSHMEM is initialised at most once per process: init after finalize is undefined behaviour.
enum class State { kFresh, kReady, kFinalized };
std::mutex g_mutex;
State g_state = State::kFresh;

int nvshmem_fail(int code, const char* api, const std::string& message) {
    return ep4j::fail(EP4J_ERR_NVSHMEM, EP4J_E_NVSHMEM, code, api, "%s", message.c_str());
}

bool is_file(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

int require_ready(const char* api) {
    if (g_state == State::kReady) return EP4J_OK;
    return nvshmem_fail(0, api, std::string(api) + ": NVSHMEM is "
                        + (g_state == State::kFresh ? "not initialised; call ep4j_nvshmem_init_uid first"
                                                    : "finalized in this process; start a new process per PE"));
}

}  // namespace

extern "C" {

int ep4j_nvshmem_built(void) { return 1; }

int ep4j_nvshmem_header_version(void) {
    return NVSHMEM_VENDOR_MAJOR_VERSION * 10000 + NVSHMEM_VENDOR_MINOR_VERSION * 100 + NVSHMEM_VENDOR_PATCH_VERSION;
}

int ep4j_nvshmem_library_version(void) {
    int major = 0, minor = 0, patch = 0;
    nvshmemx_vendor_get_version_info(&major, &minor, &patch);  // resolved in libnvshmem_host.so.3
    return major * 10000 + minor * 100 + patch;
}

int ep4j_nvshmem_uniqueid_size(void) { return static_cast<int>(sizeof(nvshmemx_uniqueid_t)); }

int ep4j_nvshmem_preflight(void) {
    // 1. The host library at run time must match the headers and libnvshmem_device.a linked in here (NVSHMEM's
    //    own check exits the process).
    int major = 0, minor = 0, patch = 0;
    nvshmemx_vendor_get_version_info(&major, &minor, &patch);
    if (major != NVSHMEM_VENDOR_MAJOR_VERSION || minor != NVSHMEM_VENDOR_MINOR_VERSION) {
        char m[256];
        snprintf(m, sizeof m, "libnvshmem_host.so.3 is %d.%d.%d but libep4j_kernels.so was built with NVSHMEM "
                 "%d.%d.%d; point NVSHMEM_HOME at a matching NVSHMEM", major, minor, patch,
                 NVSHMEM_VENDOR_MAJOR_VERSION, NVSHMEM_VENDOR_MINOR_VERSION, NVSHMEM_VENDOR_PATCH_VERSION);
        return nvshmem_fail(0, "ep4j_nvshmem_preflight", m);
    }
    // 2. The unique-id bootstrap plugin must be loadable: NVSHMEM aborts the process when its dlopen fails.
    const char* env = getenv("NVSHMEM_BOOTSTRAP_UID_PLUGIN");
    if (env != nullptr && *env != '\0') {
        if (strchr(env, '/') == nullptr || is_file(env)) return EP4J_OK;  // a bare name: left to dlopen's search
        return nvshmem_fail(0, "ep4j_nvshmem_preflight",
                            std::string("NVSHMEM_BOOTSTRAP_UID_PLUGIN points to a missing file: ") + env);
    }
    Dl_info info;
    if (dladdr(reinterpret_cast<void*>(&nvshmemx_get_uniqueid), &info) == 0 || info.dli_fname == nullptr) {
        return nvshmem_fail(0, "ep4j_nvshmem_preflight", "cannot locate libnvshmem_host.so.3 (dladdr failed)");
    }
    const std::string host(info.dli_fname);
    const std::string dir = host.substr(0, host.find_last_of('/') + 1);
    if (is_file(dir + "nvshmem_bootstrap_uid.so.3")) return EP4J_OK;
    void* h = dlopen("nvshmem_bootstrap_uid.so.3", RTLD_LAZY | RTLD_LOCAL);  // LD_LIBRARY_PATH / ld cache
    if (h != nullptr) {
        dlclose(h);
        return EP4J_OK;
    }
    return nvshmem_fail(0, "ep4j_nvshmem_preflight", "nvshmem_bootstrap_uid.so.3 not found next to " + host
                        + " nor on LD_LIBRARY_PATH; load libnvshmem_host.so.3 from its own NVSHMEM lib folder "
                          "(NVSHMEM_HOME) or set NVSHMEM_BOOTSTRAP_UID_PLUGIN=<full path>");
}

int ep4j_nvshmem_get_uniqueid(void* out_id) {
    if (out_id == nullptr) {
        return ep4j::fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_nvshmem_get_uniqueid", "out_id is null");
    }
    if (int rc = ep4j_nvshmem_preflight()) return rc;
    nvshmemx_uniqueid_t id = NVSHMEMX_UNIQUEID_INITIALIZER;
    const int status = nvshmemx_get_uniqueid(&id);
    if (status != 0) {
        return nvshmem_fail(status, "nvshmemx_get_uniqueid", "nvshmemx_get_uniqueid failed with status "
                            + std::to_string(status) + "; run with NVSHMEM_DEBUG=INFO for details");
    }
    memcpy(out_id, &id, sizeof id);
    return EP4J_OK;
}

int ep4j_nvshmem_init_uid(const void* id_bytes, int rank, int nranks, int device) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (id_bytes == nullptr || nranks < 1 || rank < 0 || rank >= nranks || device < 0) {
        return ep4j::fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_nvshmem_init_uid",
                          "ep4j_nvshmem_init_uid: need a unique id, 0 <= rank=%d < nranks=%d and device=%d >= 0",
                          rank, nranks, device);
    }
    if (g_state != State::kFresh) {
        return nvshmem_fail(0, "ep4j_nvshmem_init_uid", g_state == State::kReady
                            ? "NVSHMEM is already initialised in this process (one PE per process)"
                            : "NVSHMEM was finalized in this process and cannot be initialised again; start a new "
                              "process per PE");
    }
    if (int rc = ep4j_nvshmem_preflight()) return rc;
    EP4J_CUDA_TRY(cudaSetDevice(device), "cudaSetDevice(%d) before nvshmem init", device);
    nvshmemx_uniqueid_t id;
    memcpy(&id, id_bytes, sizeof id);
    nvshmemx_init_attr_t attr = NVSHMEMX_INIT_ATTR_INITIALIZER;
    int status = nvshmemx_set_attr_uniqueid_args(rank, nranks, &id, &attr);
    if (status != 0) {
        return nvshmem_fail(status, "nvshmemx_set_attr_uniqueid_args", "nvshmemx_set_attr_uniqueid_args(rank "
                            + std::to_string(rank) + ", nranks " + std::to_string(nranks) + ") failed with status "
                            + std::to_string(status));
    }
    // What the header's static inline nvshmemx_init_attr() does, minus its exit(-1) on failure.
    int provided = 0;
    const nvshmemi_version_t version = {NVSHMEM_VENDOR_MAJOR_VERSION, NVSHMEM_VENDOR_MINOR_VERSION,
                                        NVSHMEM_VENDOR_PATCH_VERSION};
    nvshmemx_init_init_attr_ver_only(attr);
    status = nvshmemi_init_thread(NVSHMEM_THREAD_SERIALIZED, &provided, NVSHMEMX_INIT_WITH_UNIQUEID, &attr, version);
    if (status != 0) {
        return nvshmem_fail(status, "nvshmemi_init_thread", "NVSHMEM unique-id init (rank " + std::to_string(rank)
                            + " of " + std::to_string(nranks) + ", device " + std::to_string(device)
                            + ") failed with status " + std::to_string(status)
                            + "; check that every rank got the same id and runs; NVSHMEM_DEBUG=INFO tells more");
    }
    g_state = State::kReady;
    return EP4J_OK;
}

int ep4j_nvshmem_is_initialized(void) {
    std::lock_guard<std::mutex> lock(g_mutex);
    return g_state == State::kReady ? 1 : 0;
}

int ep4j_nvshmem_my_pe(void) {
    if (int rc = require_ready("ep4j_nvshmem_my_pe")) return rc;
    return nvshmem_my_pe();
}

int ep4j_nvshmem_n_pes(void) {
    if (int rc = require_ready("ep4j_nvshmem_n_pes")) return rc;
    return nvshmem_n_pes();
}

int ep4j_nvshmem_malloc(int64_t bytes, int64_t* out_ptr) {
    *out_ptr = 0;
    if (int rc = require_ready("ep4j_nvshmem_malloc")) return rc;
    if (bytes <= 0) {
        return ep4j::fail(EP4J_ERR_INVALID, EP4J_E_INVALID, 0, "ep4j_nvshmem_malloc",
                          "ep4j_nvshmem_malloc: bytes=%lld must be > 0", static_cast<long long>(bytes));
    }
    void* p = nvshmem_malloc(static_cast<size_t>(bytes));
    if (p == nullptr) {
        return nvshmem_fail(0, "nvshmem_malloc", "nvshmem_malloc(" + std::to_string(bytes) + " bytes) returned NULL; "
                            "raise NVSHMEM_SYMMETRIC_SIZE (set before init) or allocate less");
    }
    *out_ptr = static_cast<int64_t>(reinterpret_cast<uintptr_t>(p));
    return EP4J_OK;
}

int ep4j_nvshmem_free(int64_t ptr) {
    if (int rc = require_ready("ep4j_nvshmem_free")) return rc;
    if (ptr != 0) nvshmem_free(reinterpret_cast<void*>(static_cast<uintptr_t>(ptr)));
    return EP4J_OK;
}

int ep4j_nvshmem_barrier_all(void) {
    if (int rc = require_ready("ep4j_nvshmem_barrier_all")) return rc;
    nvshmem_barrier_all();
    return EP4J_OK;
}

int ep4j_nvshmem_finalize(void) {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (g_state != State::kReady) return EP4J_OK;
    nvshmem_finalize();
    g_state = State::kFinalized;
    return EP4J_OK;
}

}  // extern "C"
