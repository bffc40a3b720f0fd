/*
 * Entry points that near-sdk-js 2.0.0's builder/builder.c expects from the near/quickjs fork,
 * re-implemented on top of pristine QuickJS 2021-03-27 (our own code; see near_quickjs_compat.c).
 */
#ifndef NEAR_QUICKJS_COMPAT_H
#define NEAR_QUICKJS_COMPAT_H

#include <stddef.h>
#include <stdint.h>
#include "quickjs.h"
#include "libbf.h"

/* Number (ToInt64, wrapping) or BigInt (0..2^64-1) -> u64. Returns -1 on failure. */
int JS_ToUint64Ext(JSContext *ctx, uint64_t *pres, JSValueConst val);
/* BigInt -> u64; -1 without an exception when negative or >= 2^64, -1 with one when not convertible. */
int JS_ToBigUint64(JSContext *ctx, uint64_t *pres, JSValueConst val);
/* bytes -> 8-bit (Latin-1) string, one character per byte */
JSValue JS_NewStringLenRaw(JSContext *ctx, const char *buf, size_t len);
/* 8-bit string -> its bytes; NULL (and *plen = 0) when a character is above 0xFF */
const char *JS_ToCStringLenRaw(JSContext *ctx, size_t *plen, JSValueConst val);
/* a new BigInt whose number (JS_GetBigInt) the caller fills */
JSValue JS_NewBigInt(JSContext *ctx);
/* the libbf number inside a BigInt value */
bf_t *JS_GetBigInt(JSValueConst val);
/* namespace object of an evaluated module */
JSValue js_get_module_ns(JSContext *ctx, JSModuleDef *m);

#endif
