;; Test contract for one_yocto_on_promise (85.yaml; logic.rs promise_batch_action_function_call_weight):
;; `main` calls `noop` on its own account with exactly 1 yoctoNEAR attached.
(module
  (import "env" "current_account_id" (func $current_account_id (param i64)))
  (import "env" "promise_batch_create" (func $promise_batch_create (param i64 i64) (result i64)))
  (import "env" "promise_batch_action_function_call" (func $function_call (param i64 i64 i64 i64 i64 i64 i64)))
  (memory 1)
  (data (i32.const 0) "\01")    ;; u128 little-endian 1 at offset 0
  (data (i32.const 32) "noop")  ;; 4
  (func (export "main")
    (call $current_account_id (i64.const 0))
    (call $function_call
      (call $promise_batch_create (i64.const -1) (i64.const 0)) ;; account id from register 0
      (i64.const 4) (i64.const 32) (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 10000000000000)))
  (func (export "noop")))
