;; Test contract for yields named by the caller (protocol 85+: promise_yield_create_with_id,
;; promise_yield_resume_with_yield_id; signatures from nearcore runtime/near-vm-runner/src/imports.rs).
;; Every method takes raw bytes: a 32-byte yield id, for `resume_id` followed by the payload.
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "log_utf8" (func $log_utf8 (param i64 i64)))
  (import "env" "attached_deposit" (func $attached_deposit (param i64)))
  (import "env" "promise_return" (func $promise_return (param i64)))
  (import "env" "promise_batch_create" (func $promise_batch_create (param i64 i64) (result i64)))
  (import "env" "promise_batch_then" (func $promise_batch_then (param i64 i64 i64) (result i64)))
  (import "env" "promise_result" (func $promise_result (param i64 i64) (result i64)))
  (import "env" "promise_yield_create_with_id"
    (func $promise_yield_create_with_id (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_yield_resume_with_yield_id"
    (func $promise_yield_resume_with_yield_id (param i64 i64 i64 i64) (result i32)))
  (memory 1)
  (data (i32.const 1024) "on_resume_id")       ;; 12
  (data (i32.const 1040) "resumed")            ;; 7
  (data (i32.const 1048) "timed out")          ;; 9
  (data (i32.const 1064) "true")               ;; 4
  (data (i32.const 1072) "false")              ;; 5
  (data (i32.const 1080) "duplicate")          ;; 9
  (data (i32.const 1096) "created")            ;; 7
  (data (i32.const 1104) "y.test.near")        ;; 11
  ;; 2048: the input; 1536: the attached deposit (u128)

  (func $read_input (result i64)
    (call $input (i64.const 0))
    (call $read_register (i64.const 0) (i64.const 2048))
    (call $register_len (i64.const 0)))

  ;; A yield under the input's id whose callback `on_resume_id` gets this call's deposit and 10 Tgas; returns
  ;; the callback's result, or "duplicate" when the id is pending (u64::MAX).
  (func $create (result i64)
    (drop (call $read_input))
    (call $attached_deposit (i64.const 1536))
    (call $promise_yield_create_with_id (i64.const 12) (i64.const 1024) (i64.const 0) (i64.const 0)
      (i64.const 1536) (i64.const 10000000000000) (i64.const 0) (i64.const 32) (i64.const 2048)))

  (func (export "yield_id_start")
    (local $p i64)
    (local.set $p (call $create))
    (if (i64.eq (local.get $p) (i64.const -1))
      (then (call $value_return (i64.const 9) (i64.const 1080)))
      (else (call $promise_return (local.get $p)))))

  ;; The same yield, not returned: the call finishes at once with "created" (or "duplicate").
  (func (export "yield_id_detached")
    (if (i64.eq (call $create) (i64.const -1))
      (then (call $value_return (i64.const 9) (i64.const 1080)))
      (else (call $value_return (i64.const 7) (i64.const 1096)))))

  ;; A receipt to this account, one waiting for it, then a yield: the data ids come from one counter in that order.
  (func (export "then_and_yield")
    (drop (call $promise_batch_then (call $promise_batch_create (i64.const 11) (i64.const 1104)) (i64.const 11) (i64.const 1104)))
    (drop (call $create)))

  ;; Resumes the yield named by the input's first 32 bytes with the rest as payload; returns true/false.
  (func (export "resume_id")
    (local $len i64)
    (local.set $len (call $read_input))
    (if (i32.eq (call $promise_yield_resume_with_yield_id (i64.const 32) (i64.const 2048)
          (i64.sub (local.get $len) (i64.const 32)) (i64.const 2080)) (i32.const 1))
      (then (call $value_return (i64.const 4) (i64.const 1064)))
      (else (call $value_return (i64.const 5) (i64.const 1072)))))

  ;; Yields and resumes in one call (possible from protocol 83: PromiseYieldStatus); returns the resume's result.
  (func (export "yield_and_resume")
    (drop (call $create))
    (if (i32.eq (call $promise_yield_resume_with_yield_id (i64.const 32) (i64.const 2048) (i64.const 4) (i64.const 1064)) (i32.const 1))
      (then (call $value_return (i64.const 4) (i64.const 1064)))
      (else (call $value_return (i64.const 5) (i64.const 1072)))))

  (func (export "on_resume_id")
    (if (i64.eq (call $promise_result (i64.const 0) (i64.const 0)) (i64.const 1))
      (then
        (call $log_utf8 (i64.const 7) (i64.const 1040))
        (call $read_register (i64.const 0) (i64.const 4096))
        (call $value_return (call $register_len (i64.const 0)) (i64.const 4096)))
      (else
        (call $log_utf8 (i64.const 9) (i64.const 1048))
        (call $value_return (i64.const 9) (i64.const 1048)))))
)
