;; Reads during a block (test/rpc/reads-during-blocks.test.ts, test/runtime/block-slices.test.ts).
;; `set(value)` stores the input under "v"; `get()` returns what "v" holds; `burn(n)` runs n loop iterations
;; (u32 little-endian input) and stores n under "v"; `write_then_read(value)` stores the input under "v" and
;; returns what reading "v" back gives (a view may write storage; nearcore discards what it wrote).
;; Host function signatures: nearcore runtime/near-vm-runner/src/logic/logic.rs (all u64 = i64).
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "storage_write" (func $write (param i64 i64 i64 i64 i64) (result i64)))
  (import "env" "storage_read" (func $read (param i64 i64 i64) (result i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (memory 1)
  (data (i32.const 0) "v")
  ;; the input, at offset 16; returns its length
  (func $load_input (result i64)
    (call $input (i64.const 0))
    (call $read_register (i64.const 0) (i64.const 16))
    (call $register_len (i64.const 0)))
  (func $store_input
    (drop (call $write (i64.const 1) (i64.const 0) (call $load_input) (i64.const 16) (i64.const 1))))
  (func $return_v
    (if (i64.eq (call $read (i64.const 1) (i64.const 0) (i64.const 2)) (i64.const 1))
      (then (call $value_return (i64.const -1) (i64.const 2)))))
  (func (export "set") (call $store_input))
  (func (export "get") (call $return_v))
  (func (export "write_then_read") (call $store_input) (call $return_v))
  (func (export "burn") (local $n i32)
    (drop (call $load_input))
    (local.set $n (i32.load (i32.const 16)))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (drop (call $write (i64.const 1) (i64.const 0) (i64.const 4) (i64.const 16) (i64.const 1)))))
