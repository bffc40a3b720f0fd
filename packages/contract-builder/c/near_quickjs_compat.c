/*
 * Compiles the patched upstream engine (quickjs.c) in this translation unit so that the fork API
 * declared in near_quickjs_compat.h can reach upstream's private helpers. Upstream's `static`
 * JS_NewBigInt, JS_GetBigInt and js_get_module_ns are renamed while quickjs.c is included, then
 * exposed through public wrappers with the fork's names.
 */
#define JS_NewBigInt upstream_JS_NewBigInt
#define JS_GetBigInt upstream_JS_GetBigInt
#define js_get_module_ns upstream_js_get_module_ns
#include "quickjs.c"
#undef JS_NewBigInt
#undef JS_GetBigInt
#undef js_get_module_ns

#include "near_quickjs_compat.h"

JSValue JS_NewBigInt(JSContext *ctx)
{
    return upstream_JS_NewBigInt(ctx);
}

JSValue js_get_module_ns(JSContext *ctx, JSModuleDef *m)
{
    return upstream_js_get_module_ns(ctx, m);
}

bf_t *JS_GetBigInt(JSValueConst val)
{
    return upstream_JS_GetBigInt(val);
}

int JS_ToBigUint64(JSContext *ctx, uint64_t *pres, JSValueConst val)
{
    bf_t a_s, *a;
    int status;

    a = JS_ToBigInt(ctx, &a_s, val);
    if (!a) {
        *pres = 0;
        return -1;
    }
    /* bf_get_uint64 flags negative, NaN and >= 2^64 as BF_ST_INVALID_OP */
    status = bf_get_uint64(pres, a);
    JS_FreeBigInt(ctx, a, &a_s);
    if (status & BF_ST_INVALID_OP) {
        *pres = 0;
        return -1;
    }
    return 0;
}

int JS_ToUint64Ext(JSContext *ctx, uint64_t *pres, JSValueConst val)
{
    int64_t v;

    if (JS_IsBigInt(ctx, val))
        return JS_ToBigUint64(ctx, pres, val);
    if (JS_ToInt64(ctx, &v, val) < 0) {
        *pres = 0;
        return -1;
    }
    *pres = (uint64_t)v;
    return 0;
}

JSValue JS_NewStringLenRaw(JSContext *ctx, const char *buf, size_t len)
{
    if (len > JS_STRING_LEN_MAX)
        return JS_ThrowRangeError(ctx, "invalid string length");
    return js_new_string8(ctx, (const uint8_t *)buf, (int)len);
}

const char *JS_ToCStringLenRaw(JSContext *ctx, size_t *plen, JSValueConst val)
{
    JSValue str_val;
    JSString *p;
    uint32_t i;

    *plen = 0;
    str_val = JS_ToString(ctx, val);
    if (JS_IsException(str_val))
        return NULL;
    p = JS_VALUE_GET_STRING(str_val);
    if (p->is_wide_char) {
        /* a 16-bit string may still hold only Latin-1 characters: narrow it */
        JSString *narrow;
        for (i = 0; i < p->len; i++) {
            if (p->u.str16[i] > 0xFF) {
                JS_FreeValue(ctx, str_val);
                return NULL;
            }
        }
        narrow = js_alloc_string(ctx, p->len, 0);
        if (!narrow) {
            JS_FreeValue(ctx, str_val);
            return NULL;
        }
        for (i = 0; i < p->len; i++)
            narrow->u.str8[i] = (uint8_t)p->u.str16[i];
        narrow->u.str8[p->len] = '\0';
        JS_FreeValue(ctx, str_val);
        p = narrow;
    }
    /* The reference held by str_val (or the narrowed copy) is kept on purpose: the caller receives
       a pointer into the string and, like the fork, never releases it. A contract instance lives
       for one call, so the memory is reclaimed with the instance. */
    *plen = p->len;
    return (const char *)p->u.str8;
}
