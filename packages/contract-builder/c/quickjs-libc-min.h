/* Minimal runtime support for contracts: what builder.c uses from the fork's quickjs-libc-min. Our own code. */
#ifndef QUICKJS_LIBC_MIN_H
#define QUICKJS_LIBC_MIN_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cutils.h" /* TRUE/FALSE, which builder.c uses */
#include "quickjs.h"
#include "near_quickjs_compat.h"

/* Load qjsc module bytecode, link and evaluate it, return its namespace. On failure the call aborts
   (panic_utf8 with the JS exception when there is one, else a trap). */
JSValue js_load_module_binary(JSContext *ctx, const uint8_t *buf, size_t buf_len);
/* Run pending jobs (promise reactions) until none are left. */
void js_std_loop(JSContext *ctx);
/* Report an uncaught exception: a contract has no stdout or stderr, so it is discarded. */
void js_std_dump_error(JSContext *ctx);

#endif
