/*
 * Host functions that nearcore provides but near-sdk-js 2.0.0's builder.c does not expose.
 * The contract builder inserts this file into its copy of builder.c (before
 * js_add_near_host_functions) and registers the wrappers on the `env` object, following
 * builder.c's conventions: byte arguments are Uint8Arrays, method names are JS strings (UTF-8),
 * u64 arguments accept Number or BigInt, u64 results are BigInts.
 * Host signatures: nearcore runtime/near-vm-runner/src/logic/logic.rs (NEP-519 yield/resume,
 * ed25519_verify).
 */
extern uint64_t promise_yield_create(uint64_t function_name_len, uint64_t function_name_ptr, uint64_t arguments_len, uint64_t arguments_ptr, uint64_t gas, uint64_t gas_weight, uint64_t register_id);
extern uint32_t promise_yield_resume(uint64_t data_id_len, uint64_t data_id_ptr, uint64_t payload_len, uint64_t payload_ptr);
extern uint64_t ed25519_verify(uint64_t signature_len, uint64_t signature_ptr, uint64_t message_len, uint64_t message_ptr, uint64_t public_key_len, uint64_t public_key_ptr);

/* env.promise_yield_create(method: string, args: Uint8Array, gas, gas_weight, register_id): bigint */
static JSValue near_promise_yield_create(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
  const char *method_name_ptr;
  uint8_t *arguments_ptr;
  size_t method_name_len, arguments_len;
  uint64_t gas, gas_weight, register_id, ret;

  if (JS_ToUint64Ext(ctx, &gas, argv[2]) < 0) {
    return JS_ThrowTypeError(ctx, "Expect Uint64 for gas");
  }
  if (JS_ToUint64Ext(ctx, &gas_weight, argv[3]) < 0) {
    return JS_ThrowTypeError(ctx, "Expect Uint64 for gas_weight");
  }
  if (JS_ToUint64Ext(ctx, &register_id, argv[4]) < 0) {
    return JS_ThrowTypeError(ctx, "Expect Uint64 for register_id");
  }
  arguments_ptr = JS_Uint8Array_to_C(ctx, argv[1], &arguments_len);
  if (arguments_ptr == NULL) {
    return JS_ThrowTypeError(ctx, "Expect Uint8Array for arguments");
  }
  method_name_ptr = JS_ToCStringLen(ctx, &method_name_len, argv[0]);
  if (method_name_ptr == NULL) {
    return JS_EXCEPTION;
  }
  ret = promise_yield_create(method_name_len, (uint64_t)method_name_ptr, arguments_len, (uint64_t)arguments_ptr, gas, gas_weight, register_id);
  JS_FreeCString(ctx, method_name_ptr);
  return JS_NewBigUint64(ctx, ret);
}

/* env.promise_yield_resume(data_id: Uint8Array, payload: Uint8Array): number (1 resumed, 0 no such yield) */
static JSValue near_promise_yield_resume(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
  uint8_t *data_id_ptr, *payload_ptr;
  size_t data_id_len, payload_len;
  uint32_t ret;

  data_id_ptr = JS_Uint8Array_to_C(ctx, argv[0], &data_id_len);
  if (data_id_ptr == NULL) {
    return JS_ThrowTypeError(ctx, "Expect Uint8Array for data_id");
  }
  payload_ptr = JS_Uint8Array_to_C(ctx, argv[1], &payload_len);
  if (payload_ptr == NULL) {
    return JS_ThrowTypeError(ctx, "Expect Uint8Array for payload");
  }
  ret = promise_yield_resume(data_id_len, (uint64_t)data_id_ptr, payload_len, (uint64_t)payload_ptr);
  return JS_NewUint32(ctx, ret);
}

/* env.ed25519_verify(signature: Uint8Array, message: Uint8Array, public_key: Uint8Array): bigint (1 valid, 0 not) */
static JSValue near_ed25519_verify(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
  uint8_t *signature_ptr, *message_ptr, *public_key_ptr;
  size_t signature_len, message_len, public_key_len;
  uint64_t ret;

  signature_ptr = JS_Uint8Array_to_C(ctx, argv[0], &signature_len);
  if (signature_ptr == NULL) {
    return JS_ThrowTypeError(ctx, "Expect Uint8Array for signature");
  }
  message_ptr = JS_Uint8Array_to_C(ctx, argv[1], &message_len);
  if (message_ptr == NULL) {
    return JS_ThrowTypeError(ctx, "Expect Uint8Array for message");
  }
  public_key_ptr = JS_Uint8Array_to_C(ctx, argv[2], &public_key_len);
  if (public_key_ptr == NULL) {
    return JS_ThrowTypeError(ctx, "Expect Uint8Array for public_key");
  }
  ret = ed25519_verify(signature_len, (uint64_t)signature_ptr, message_len, (uint64_t)message_ptr, public_key_len, (uint64_t)public_key_ptr);
  return JS_NewBigUint64(ctx, ret);
}
