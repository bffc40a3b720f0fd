/*
 * qjsc for wasm32-wasi: the step of QuickJS's qjsc that near-sdk-js runs (`qjsc -c -m -N code <file>`),
 * compile one ES module to bytecode, with the same runtime, context, eval flags and JS_WriteObject flags
 * as qjsc.c's compile_file/output_object_code. It writes the raw bytecode instead of a C array.
 * Usage: qjsc_wasi <source file> <module name> <output file>; exit 1 with qjsc's message on stderr.
 * Our own code (@near-ts/contract-builder); runs under Node's WASI, so building a contract needs no
 * native compiler.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "quickjs.h"

static void dump_value(JSContext *ctx, JSValueConst value)
{
    const char *text = JS_ToCString(ctx, value);
    if (text) {
        fprintf(stderr, "%s\n", text);
        JS_FreeCString(ctx, text);
    } else {
        fprintf(stderr, "[exception]\n");
    }
}

/* as quickjs-libc.c's js_std_dump_error: the exception, then its stack when it is an Error */
static void dump_exception(JSContext *ctx)
{
    JSValue exception = JS_GetException(ctx);
    dump_value(ctx, exception);
    if (JS_IsError(ctx, exception)) {
        JSValue stack = JS_GetPropertyStr(ctx, exception, "stack");
        if (!JS_IsUndefined(stack))
            dump_value(ctx, stack);
        JS_FreeValue(ctx, stack);
    }
    JS_FreeValue(ctx, exception);
}

/* a bundle imports nothing; an import left in it is an error, as in qjsc when the file is missing */
static JSModuleDef *refuse_module(JSContext *ctx, const char *module_name, void *opaque)
{
    JS_ThrowReferenceError(ctx, "could not load module filename '%s'", module_name);
    return NULL;
}

static uint8_t *read_file(const char *file, size_t *length)
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(size + 1);
    if (!buf || fread(buf, 1, size, f) != (size_t)size) {
        fclose(f);
        free(buf);
        return NULL;
    }
    buf[size] = '\0';
    fclose(f);
    *length = size;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: qjsc_wasi <source file> <module name> <output file>\n");
        return 2;
    }
    size_t length;
    uint8_t *source = read_file(argv[1], &length);
    if (!source) {
        fprintf(stderr, "Could not load '%s'\n", argv[1]);
        return 1;
    }
    JSRuntime *rt = JS_NewRuntime();
    JSContext *ctx = JS_NewContext(rt);
    JS_SetModuleLoaderFunc(rt, NULL, refuse_module, NULL);
    JSValue module = JS_Eval(ctx, (const char *)source, length, argv[2], JS_EVAL_FLAG_COMPILE_ONLY | JS_EVAL_TYPE_MODULE);
    free(source);
    if (JS_IsException(module)) {
        dump_exception(ctx);
        return 1;
    }
    size_t out_length;
    uint8_t *out = JS_WriteObject(ctx, &out_length, module, JS_WRITE_OBJ_BYTECODE);
    if (!out) {
        dump_exception(ctx);
        return 1;
    }
    FILE *f = fopen(argv[3], "wb");
    if (!f || fwrite(out, 1, out_length, f) != out_length || fclose(f) != 0) {
        fprintf(stderr, "Could not write '%s'\n", argv[3]);
        return 1;
    }
    return 0;
}
