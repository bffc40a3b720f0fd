#include "quickjs-libc-min.h"

static void set_import_meta(JSContext *ctx, JSModuleDef *m)
{
    JSAtom name_atom;
    const char *name;
    JSValue meta;
    char *url;
    size_t name_len;

    name_atom = JS_GetModuleName(ctx, m);
    name = JS_AtomToCString(ctx, name_atom);
    JS_FreeAtom(ctx, name_atom);
    if (!name)
        __builtin_trap();
    name_len = strlen(name);
    url = malloc(name_len + 8);
    if (!url)
        __builtin_trap();
    /* same rule as QuickJS's own loader: names without a scheme become file:// URLs */
    if (strchr(name, ':')) {
        memcpy(url, name, name_len + 1);
    } else {
        memcpy(url, "file://", 7);
        memcpy(url + 7, name, name_len + 1);
    }
    JS_FreeCString(ctx, name);
    meta = JS_GetImportMeta(ctx, m);
    if (JS_IsException(meta))
        __builtin_trap();
    JS_DefinePropertyValueStr(ctx, meta, "url", JS_NewString(ctx, url), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, meta, "main", JS_FALSE, JS_PROP_C_W_E);
    JS_FreeValue(ctx, meta);
    free(url);
}

JSValue js_load_module_binary(JSContext *ctx, const uint8_t *buf, size_t buf_len)
{
    JSValue obj, result;
    JSModuleDef *m;

    obj = JS_ReadObject(ctx, buf, buf_len, JS_READ_OBJ_BYTECODE);
    if (JS_IsException(obj) || JS_VALUE_GET_TAG(obj) != JS_TAG_MODULE)
        __builtin_trap();
    if (JS_ResolveModule(ctx, obj) < 0)
        __builtin_trap();
    m = JS_VALUE_GET_PTR(obj);
    set_import_meta(ctx, m);
    result = JS_EvalFunction(ctx, obj); /* takes ownership of obj */
    if (JS_IsException(result))
        __builtin_trap();
    JS_FreeValue(ctx, result);
    return js_get_module_ns(ctx, m);
}

void js_std_dump_error(JSContext *ctx)
{
    JS_FreeValue(ctx, JS_GetException(ctx));
}

void js_std_loop(JSContext *ctx)
{
    JSContext *job_ctx;
    int status;

    for (;;) {
        status = JS_ExecutePendingJob(JS_GetRuntime(ctx), &job_ctx);
        if (status <= 0) {
            if (status < 0)
                js_std_dump_error(job_ctx);
            break;
        }
    }
}
