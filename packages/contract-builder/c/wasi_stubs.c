/*
 * Link-time WASI stubs. wasi-libc calls every WASI preview1 function through a symbol named
 * __imported_wasi_snapshot_preview1_<name>; defining those symbols here makes the linker resolve
 * them locally, so the contract imports nothing from wasi_snapshot_preview1 (NEAR offers no WASI).
 * Semantics match near-sdk-js's post-link wasi-stub tool: each function returns 76
 * (__WASI_ERRNO_NOTCAPABLE) without writing its out-parameters; proc_exit does nothing.
 * Parameter types are the wasm-level lowering of the preview1 signatures (64-bit for
 * timestamps, file offsets and rights); the link runs with --fatal-warnings, so a mismatch with
 * wasi-libc's declaration fails the build instead of turning the call into a trap.
 */
#include <stdint.h>

#define NOTCAPABLE 76
#define STUB(name, ...) \
    int32_t __imported_wasi_snapshot_preview1_##name(__VA_ARGS__) { return NOTCAPABLE; }

typedef int32_t i32;
typedef int64_t i64;

STUB(args_get, i32 argv, i32 argv_buf)
STUB(args_sizes_get, i32 argc, i32 argv_buf_size)
STUB(environ_get, i32 environ, i32 environ_buf)
STUB(environ_sizes_get, i32 count, i32 buf_size)
STUB(clock_res_get, i32 id, i32 resolution)
STUB(clock_time_get, i32 id, i64 precision, i32 time)
STUB(fd_close, i32 fd)
STUB(fd_fdstat_get, i32 fd, i32 stat)
STUB(fd_fdstat_set_flags, i32 fd, i32 flags)
STUB(fd_filestat_get, i32 fd, i32 buf)
STUB(fd_prestat_get, i32 fd, i32 buf)
STUB(fd_prestat_dir_name, i32 fd, i32 path, i32 path_len)
STUB(fd_read, i32 fd, i32 iovs, i32 iovs_len, i32 nread)
STUB(fd_write, i32 fd, i32 iovs, i32 iovs_len, i32 nwritten)
STUB(fd_pread, i32 fd, i32 iovs, i32 iovs_len, i64 offset, i32 nread)
STUB(fd_pwrite, i32 fd, i32 iovs, i32 iovs_len, i64 offset, i32 nwritten)
STUB(fd_seek, i32 fd, i64 offset, i32 whence, i32 newoffset)
STUB(fd_tell, i32 fd, i32 offset)
STUB(fd_sync, i32 fd)
STUB(path_open, i32 fd, i32 dirflags, i32 path, i32 path_len, i32 oflags, i64 rights_base,
     i64 rights_inheriting, i32 fdflags, i32 opened_fd)
STUB(path_filestat_get, i32 fd, i32 flags, i32 path, i32 path_len, i32 buf)
STUB(poll_oneoff, i32 in, i32 out, i32 nsubscriptions, i32 nevents)
STUB(random_get, i32 buf, i32 buf_len)
STUB(sched_yield, void)

void __imported_wasi_snapshot_preview1_proc_exit(i32 code) {}
