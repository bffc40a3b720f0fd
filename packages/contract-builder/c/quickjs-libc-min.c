#include "quickjs-libc-min.h"

/* NEAR host function (declared by builder.c too): aborts the call with a message */
extern void panic_utf8(uint64_t len, uint64_t ptr);

/* An exception while loading the contract module (e.g. top-level code that throws) aborts the call
   with the exception's message and stack instead of a bare Wasm trap. */
static void panic_with_exception(JSContext *ctx, const char *what)
{
    JSValue error = JS_GetException(ctx);
    JSValue stack = JS_GetPropertyStr(ctx, error, "stack");
    const char *message = JS_ToCString(ctx, error);
    const char *stack_text = JS_IsUndefined(stack) ? NULL : JS_ToCString(ctx, stack);
    size_t what_len = strlen(what), message_len = message ? strlen(message) : 0, stack_len = stack_text ? strlen(stack_text) : 0;
    char *text = malloc(what_len + 2 + message_len + 1 + stack_len + 1);
    size_t at = 0;
    if (!text)
        __builtin_trap();
    memcpy(text, what, what_len);
    at += what_len;
    memcpy(text + at, ": ", 2);
    at += 2;
    if (message) {
        memcpy(text + at, message, message_len);
        at += message_len;
    }
    if (stack_text) {
        text[at++] = '\n';
        memcpy(text + at, stack_text, stack_len);
        at += stack_len;
    }
    panic_utf8(at, (uint64_t)(uintptr_t)text);
    __builtin_trap();
}

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
    if (JS_IsException(obj))
        panic_with_exception(ctx, "cannot read the contract bytecode");
    if (JS_VALUE_GET_TAG(obj) != JS_TAG_MODULE)
        __builtin_trap();
    if (JS_ResolveModule(ctx, obj) < 0)
        panic_with_exception(ctx, "cannot link the contract module");
    m = JS_VALUE_GET_PTR(obj);
    set_import_meta(ctx, m);
    result = JS_EvalFunction(ctx, obj); /* takes ownership of obj */
    if (JS_IsException(result))
        panic_with_exception(ctx, "contract module initialisation failed");
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
