;; Test contract for the runtime tests (deployed to a.test.near and b.test.near).
;; Host function signatures: nearcore runtime/near-vm-runner/src/logic/logic.rs (all u64 = i64).
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "log_utf8" (func $log_utf8 (param i64 i64)))
  (import "env" "panic_utf8" (func $panic_utf8 (param i64 i64)))
  (import "env" "storage_write" (func $storage_write (param i64 i64 i64 i64 i64) (result i64)))
  (import "env" "storage_read" (func $storage_read (param i64 i64 i64) (result i64)))
  (import "env" "promise_create" (func $promise_create (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_then" (func $promise_then (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_return" (func $promise_return (param i64)))
  (import "env" "promise_and" (func $promise_and (param i64 i64) (result i64)))
  (import "env" "promise_results_count" (func $promise_results_count (result i64)))
  (import "env" "promise_result" (func $promise_result (param i64 i64) (result i64)))
  (import "env" "promise_yield_create" (func $promise_yield_create (param i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_yield_resume" (func $promise_yield_resume (param i64 i64 i64 i64) (result i32)))
  (memory 1)
  (export "memory" (memory 0))
  ;; 0..16: a zero u128 deposit
  (data (i32.const 1024) "b.test.near")        ;; 11
  (data (i32.const 1040) "a.test.near")        ;; 11
  (data (i32.const 1056) "ok")                 ;; 2
  (data (i32.const 1064) "boom")               ;; 4
  (data (i32.const 1072) "callback")           ;; 8
  (data (i32.const 1088) "callback: success")  ;; 17
  (data (i32.const 1112) "callback: failed")   ;; 16
  (data (i32.const 1136) "\"failed\"")         ;; 8
  (data (i32.const 1152) "\"pong\"")           ;; 6
  (data (i32.const 1168) "boom!")              ;; 5
  (data (i32.const 1176) "k")                  ;; 1
  (data (i32.const 1184) "y")                  ;; 1
  (data (i32.const 1192) "on_resume")          ;; 9
  (data (i32.const 1208) "resumed")            ;; 7
  (data (i32.const 1216) "timed out")          ;; 9
  (data (i32.const 1232) "true")               ;; 4
  (data (i32.const 1240) "false")              ;; 5
  (data (i32.const 1248) "ok called")          ;; 9
  (data (i32.const 1264) "callback2")          ;; 9
  (data (i32.const 1280) "both: ok then failed") ;; 20
  (data (i32.const 1304) "both: unexpected")   ;; 16

  (func $call_then (param $method_ptr i64) (param $method_len i64)
    (local $p i64)
    (local.set $p (call $promise_create (i64.const 11) (i64.const 1024) (local.get $method_len) (local.get $method_ptr)
      (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 10000000000000)))
    (call $promise_return
      (call $promise_then (local.get $p) (i64.const 11) (i64.const 1040) (i64.const 8) (i64.const 1072)
        (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 10000000000000))))

  (func (export "call_ok") (call $call_then (i64.const 1056) (i64.const 2)))
  (func (export "call_boom") (call $call_then (i64.const 1064) (i64.const 4)))

  ;; promise_and(ok, boom).then(callback2): one callback with two results (Successful, Failed)
  (func (export "call_both")
    (i64.store (i32.const 512) (call $promise_create (i64.const 11) (i64.const 1024) (i64.const 2) (i64.const 1056)
      (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 10000000000000)))
    (i64.store (i32.const 520) (call $promise_create (i64.const 11) (i64.const 1024) (i64.const 4) (i64.const 1064)
      (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 10000000000000)))
    (call $promise_return
      (call $promise_then (call $promise_and (i64.const 512) (i64.const 2)) (i64.const 11) (i64.const 1040) (i64.const 9) (i64.const 1264)
        (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 10000000000000))))

  (func (export "callback2")
    (if (i32.and
          (i64.eq (call $promise_results_count) (i64.const 2))
          (i32.and (i64.eq (call $promise_result (i64.const 0) (i64.const 0)) (i64.const 1))
                   (i64.eq (call $promise_result (i64.const 1) (i64.const 0)) (i64.const 2))))
      (then (call $log_utf8 (i64.const 20) (i64.const 1280)))
      (else (call $log_utf8 (i64.const 16) (i64.const 1304)))))

  (func (export "callback")
    (if (i64.eq (call $promise_result (i64.const 0) (i64.const 0)) (i64.const 1))
      (then
        (call $log_utf8 (i64.const 17) (i64.const 1088))
        (call $read_register (i64.const 0) (i64.const 4096))
        (call $value_return (call $register_len (i64.const 0)) (i64.const 4096)))
      (else
        (call $log_utf8 (i64.const 16) (i64.const 1112))
        (call $value_return (i64.const 8) (i64.const 1136)))))

  (func (export "ok")
    (call $log_utf8 (i64.const 9) (i64.const 1248))
    (call $value_return (i64.const 6) (i64.const 1152)))

  ;; a promise with 0 gas and weight 0: nearcore rejects it as NewReceiptValidationError
  (func (export "call_zero_gas")
    (drop (call $promise_create (i64.const 11) (i64.const 1024) (i64.const 2) (i64.const 1056)
      (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 0))))

  (func (export "boom") (call $panic_utf8 (i64.const 5) (i64.const 1168)))

  (func (export "set")
    (call $input (i64.const 0))
    (call $read_register (i64.const 0) (i64.const 4096))
    (drop (call $storage_write (i64.const 1) (i64.const 1176) (call $register_len (i64.const 0)) (i64.const 4096) (i64.const 1))))

  (func (export "get")
    (if (i64.eq (call $storage_read (i64.const 1) (i64.const 1176) (i64.const 0)) (i64.const 1))
      (then
        (call $read_register (i64.const 0) (i64.const 4096))
        (call $value_return (call $register_len (i64.const 0)) (i64.const 4096)))))

  ;; NEP-519: yield a callback to on_resume and remember its data id under "y".
  (func (export "yield_start")
    (drop (call $promise_yield_create (i64.const 9) (i64.const 1192) (i64.const 0) (i64.const 0)
      (i64.const 10000000000000) (i64.const 0) (i64.const 1)))
    (call $read_register (i64.const 1) (i64.const 2048))
    (drop (call $storage_write (i64.const 1) (i64.const 1184) (i64.const 32) (i64.const 2048) (i64.const 2))))

  ;; Resume the stored yield with the call's input as payload; returns true/false.
  (func (export "resume")
    (drop (call $storage_read (i64.const 1) (i64.const 1184) (i64.const 1)))
    (call $read_register (i64.const 1) (i64.const 2048))
    (call $input (i64.const 0))
    (call $read_register (i64.const 0) (i64.const 4096))
    (if (i32.eq (call $promise_yield_resume (i64.const 32) (i64.const 2048) (call $register_len (i64.const 0)) (i64.const 4096)) (i32.const 1))
      (then (call $value_return (i64.const 4) (i64.const 1232)))
      (else (call $value_return (i64.const 5) (i64.const 1240)))))

  (func (export "on_resume")
    (if (i64.eq (call $promise_result (i64.const 0) (i64.const 0)) (i64.const 1))
      (then
        (call $log_utf8 (i64.const 7) (i64.const 1208))
        (call $read_register (i64.const 0) (i64.const 4096))
        (call $value_return (call $register_len (i64.const 0)) (i64.const 4096)))
      (else (call $log_utf8 (i64.const 9) (i64.const 1216)))))
)
