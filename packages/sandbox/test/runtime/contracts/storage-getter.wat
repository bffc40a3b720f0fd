;; `get(key)` returns the value stored under the key (raw input bytes); nothing when the key is absent.
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "storage_read" (func $storage_read (param i64 i64 i64) (result i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (memory 1)
  (func (export "get")
    (call $input (i64.const 0))
    (if (i64.eq (call $storage_read (i64.const -1) (i64.const 0) (i64.const 1)) (i64.const 1))
      (then (call $value_return (i64.const -1) (i64.const 1))))))
