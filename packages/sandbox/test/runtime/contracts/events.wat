;; Test contract for the execution stream: a cross-contract call whose callback fails (deployed to
;; a.test.near and b.test.near). Host function signatures: nearcore logic.rs (all u64 = i64).
(module
  (import "env" "log_utf8" (func $log_utf8 (param i64 i64)))
  (import "env" "panic_utf8" (func $panic_utf8 (param i64 i64)))
  (import "env" "promise_create" (func $promise_create (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_then" (func $promise_then (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_return" (func $promise_return (param i64)))
  (memory 1)
  (export "memory" (memory 0))
  (data (i32.const 1024) "b.test.near")                 ;; 11
  (data (i32.const 1040) "a.test.near")                 ;; 11
  (data (i32.const 1056) "boom")                        ;; 4
  (data (i32.const 1064) "on_done")                     ;; 7
  (data (i32.const 1072) "start: calling b")            ;; 16
  (data (i32.const 1096) "EVENT_JSON:{\"standard\":\"probe\",\"version\":\"1.0.0\",\"event\":\"started\",\"data\":[{\"by\":\"a\"}]}") ;; 87
  (data (i32.const 1200) "boom!")                       ;; 5
  (data (i32.const 1208) "on_done: b failed")           ;; 17
  (data (i32.const 1232) "Callback: the call to b failed") ;; 30

  (func (export "start")
    (call $log_utf8 (i64.const 16) (i64.const 1072))
    (call $log_utf8 (i64.const 87) (i64.const 1096))
    (call $promise_return
      (call $promise_then
        (call $promise_create (i64.const 11) (i64.const 1024) (i64.const 4) (i64.const 1056) (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 10000000000000))
        (i64.const 11) (i64.const 1040) (i64.const 7) (i64.const 1064) (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 10000000000000))))

  (func (export "boom") (call $panic_utf8 (i64.const 5) (i64.const 1200)))

  (func (export "on_done")
    (call $log_utf8 (i64.const 17) (i64.const 1208))
    (call $panic_utf8 (i64.const 30) (i64.const 1232)))
)
