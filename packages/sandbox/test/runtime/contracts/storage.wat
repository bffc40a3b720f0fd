;; Storage-gas test contract (packages/sandbox/test/runtime/storage-gas.test.ts): each method is a fixed
;; sequence of storage ops on the keys "k1" and "k2" (values "x1" and "x2").
;; Host function signatures: nearcore runtime/near-vm-runner/src/logic/logic.rs (all u64 = i64).
(module
  (import "env" "storage_write" (func $write (param i64 i64 i64 i64 i64) (result i64)))
  (import "env" "storage_read" (func $read (param i64 i64 i64) (result i64)))
  (import "env" "storage_remove" (func $remove (param i64 i64 i64) (result i64)))
  (import "env" "storage_has_key" (func $has (param i64 i64) (result i64)))
  (import "env" "panic_utf8" (func $panic (param i64 i64)))
  (memory 1)
  (data (i32.const 0) "k1k2x1x2")
  (func $w1 (drop (call $write (i64.const 2) (i64.const 0) (i64.const 2) (i64.const 4) (i64.const 0))))
  (func $w2 (drop (call $write (i64.const 2) (i64.const 2) (i64.const 2) (i64.const 6) (i64.const 0))))
  (func $r1 (drop (call $read (i64.const 2) (i64.const 0) (i64.const 0))))
  (func (export "write_k1") (call $w1))
  (func (export "write_k2") (call $w2))
  (func (export "write_k1_k2") (call $w1) (call $w2))
  (func (export "read_k1") (call $r1))
  (func (export "has_k1") (drop (call $has (i64.const 2) (i64.const 0))))
  (func (export "read_then_write_k1") (call $r1) (call $w1))
  (func (export "write_k2_then_panic") (call $w2) (call $panic (i64.const 2) (i64.const 0)))
  (func (export "remove_k2") (drop (call $remove (i64.const 2) (i64.const 2) (i64.const 0))))
  (func (export "remove_k1_then_write_k1") (drop (call $remove (i64.const 2) (i64.const 0) (i64.const 0))) (call $w1))
)
