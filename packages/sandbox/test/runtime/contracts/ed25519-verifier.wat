;; `verify(signature ‖ public key ‖ message)` (raw input: 64 + 32 + n bytes) returns one byte, ed25519_verify's
;; answer: 1 or 0.
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "ed25519_verify" (func $ed25519_verify (param i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (memory 1)
  (func (export "verify")
    (local $len i64)
    (call $input (i64.const 0))
    (local.set $len (call $register_len (i64.const 0)))
    (call $read_register (i64.const 0) (i64.const 0))
    (i64.store8 (i32.const 65000)
      (call $ed25519_verify (i64.const 64) (i64.const 0) (i64.sub (local.get $len) (i64.const 96)) (i64.const 96) (i64.const 32) (i64.const 64)))
    (call $value_return (i64.const 1) (i64.const 65000))))
