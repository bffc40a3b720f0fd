;; A yield resumed in the call that made it (NEP-519 host functions only, so it links at 77 and 86).
(module
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "log_utf8" (func $log_utf8 (param i64 i64)))
  (import "env" "promise_result" (func $promise_result (param i64 i64) (result i64)))
  (import "env" "promise_yield_create" (func $promise_yield_create (param i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_yield_resume" (func $promise_yield_resume (param i64 i64 i64 i64) (result i32)))
  (memory 1)
  (data (i32.const 1024) "on_done")            ;; 7
  (data (i32.const 1040) "hello")              ;; 5
  (data (i32.const 1048) "again")              ;; 5
  (data (i32.const 1056) "resumed")            ;; 7
  (data (i32.const 1064) "timed out")          ;; 9
  ;; 1080: the two resumes' results as "<first><second>" digits
  (func (export "yield_and_resume_twice")
    (drop (call $promise_yield_create (i64.const 7) (i64.const 1024) (i64.const 0) (i64.const 0)
      (i64.const 10000000000000) (i64.const 0) (i64.const 1)))
    (call $read_register (i64.const 1) (i64.const 2048))
    (i32.store8 (i32.const 1080) (i32.add (i32.const 48)
      (call $promise_yield_resume (i64.const 32) (i64.const 2048) (i64.const 5) (i64.const 1040))))
    (i32.store8 (i32.const 1081) (i32.add (i32.const 48)
      (call $promise_yield_resume (i64.const 32) (i64.const 2048) (i64.const 5) (i64.const 1048))))
    (call $value_return (i64.const 2) (i64.const 1080)))
  (func (export "on_done")
    (if (i64.eq (call $promise_result (i64.const 0) (i64.const 0)) (i64.const 1))
      (then
        (call $log_utf8 (i64.const 7) (i64.const 1056))
        (call $read_register (i64.const 0) (i64.const 4096))
        (call $value_return (call $register_len (i64.const 0)) (i64.const 4096)))
      (else (call $log_utf8 (i64.const 9) (i64.const 1064)))))
)
