/**
 * A small test contract written in WebAssembly text, compiled with the `wabt` package and written to a temp
 * file for `devDeploy`. It talks to the host directly (nearcore's `env` imports), so these suites do not
 * depend on any contract toolchain.
 *
 * Methods (input and output are raw bytes):
 *   set          stores the input under key "STATE", logs it, returns it
 *   get          returns the value under "STATE" (nothing when unset)
 *   echo         returns the input
 *   fail         panics with the input as the message
 *   whoami       returns the predecessor account id
 *   incr         increments a u64 counter under key "counter" and returns it (8 bytes little-endian)
 *   count        returns the counter (8 bytes little-endian, absent before the first incr)
 *   call_other   input = an account id; calls `echo("ping")` there, then `on_echo` here as a callback,
 *                and returns the callback's promise
 *   on_echo      returns the first promise result prefixed with "got:", or panics if it failed
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wabtInit from 'wabt';

const PROBE_WAT = `
(module
  (import "env" "input" (func $input (param i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "log_utf8" (func $log_utf8 (param i64 i64)))
  (import "env" "panic_utf8" (func $panic_utf8 (param i64 i64)))
  (import "env" "storage_write" (func $storage_write (param i64 i64 i64 i64 i64) (result i64)))
  (import "env" "storage_read" (func $storage_read (param i64 i64 i64) (result i64)))
  (import "env" "current_account_id" (func $current_account_id (param i64)))
  (import "env" "predecessor_account_id" (func $predecessor_account_id (param i64)))
  (import "env" "promise_create" (func $promise_create (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_then" (func $promise_then (param i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_return" (func $promise_return (param i64)))
  (import "env" "promise_results_count" (func $promise_results_count (result i64)))
  (import "env" "promise_result" (func $promise_result (param i64 i64) (result i64)))
  (memory (export "memory") 1)
  ;; 0..16: a zero u128 (attached deposit); constants from 16; scratch buffers at 1024 and 4096
  (data (i32.const 16) "STATE")
  (data (i32.const 32) "echo")
  (data (i32.const 48) "on_echo")
  (data (i32.const 64) "counter")
  (data (i32.const 80) "ping")
  (data (i32.const 96) "got:")
  (data (i32.const 112) "callback saw a failed promise")

  (func $load (param $register i64) (param $ptr i64) (result i64)
    (call $read_register (local.get $register) (local.get $ptr))
    (call $register_len (local.get $register)))

  (func (export "set")
    (local $len i64)
    (call $input (i64.const 0))
    (local.set $len (call $load (i64.const 0) (i64.const 1024)))
    (drop (call $storage_write (i64.const 5) (i64.const 16) (local.get $len) (i64.const 1024) (i64.const 1)))
    (call $log_utf8 (local.get $len) (i64.const 1024))
    (call $value_return (local.get $len) (i64.const 1024)))

  (func (export "get")
    (if (i64.eq (call $storage_read (i64.const 5) (i64.const 16) (i64.const 0)) (i64.const 1))
      (then (call $value_return (call $load (i64.const 0) (i64.const 1024)) (i64.const 1024)))))

  (func (export "echo")
    (call $input (i64.const 0))
    (call $value_return (call $load (i64.const 0) (i64.const 1024)) (i64.const 1024)))

  (func (export "fail")
    (call $input (i64.const 0))
    (call $panic_utf8 (call $load (i64.const 0) (i64.const 1024)) (i64.const 1024)))

  (func (export "whoami")
    (call $predecessor_account_id (i64.const 0))
    (call $value_return (call $load (i64.const 0) (i64.const 1024)) (i64.const 1024)))

  (func (export "incr")
    (if (i64.eq (call $storage_read (i64.const 7) (i64.const 64) (i64.const 0)) (i64.const 1))
      (then (drop (call $load (i64.const 0) (i64.const 1024))))
      (else (i64.store (i32.const 1024) (i64.const 0))))
    (i64.store (i32.const 1024) (i64.add (i64.load (i32.const 1024)) (i64.const 1)))
    (drop (call $storage_write (i64.const 7) (i64.const 64) (i64.const 8) (i64.const 1024) (i64.const 1)))
    (call $value_return (i64.const 8) (i64.const 1024)))

  (func (export "count")
    (if (i64.eq (call $storage_read (i64.const 7) (i64.const 64) (i64.const 0)) (i64.const 1))
      (then (call $value_return (call $load (i64.const 0) (i64.const 1024)) (i64.const 1024)))))

  (func (export "call_other")
    (local $len i64) (local $me i64) (local $promise i64)
    (call $input (i64.const 0))
    (local.set $len (call $load (i64.const 0) (i64.const 1024)))
    (local.set $promise
      (call $promise_create (local.get $len) (i64.const 1024) (i64.const 4) (i64.const 32)
        (i64.const 4) (i64.const 80) (i64.const 0) (i64.const 10000000000000)))
    (call $current_account_id (i64.const 1))
    (local.set $me (call $load (i64.const 1) (i64.const 4096)))
    (call $promise_return
      (call $promise_then (local.get $promise) (local.get $me) (i64.const 4096) (i64.const 7) (i64.const 48)
        (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 10000000000000))))

  (func (export "on_echo")
    (local $len i64)
    (if (i64.ne (call $promise_results_count) (i64.const 1))
      (then (call $panic_utf8 (i64.const 29) (i64.const 112))))
    (if (i64.ne (call $promise_result (i64.const 0) (i64.const 0)) (i64.const 1))
      (then (call $panic_utf8 (i64.const 29) (i64.const 112))))
    (local.set $len (call $load (i64.const 0) (i64.const 1028)))
    (i32.store (i32.const 1024) (i32.load (i32.const 96)))
    (call $value_return (i64.add (local.get $len) (i64.const 4)) (i64.const 1024)))
)
`;

/**
 * A NEP-141 receiver for ft_transfer_call tests: `ft_on_transfer` answers with a promise to its own
 * `value_please`, which returns "10" (the unused amount, so the token refunds 10 to the sender).
 */
const FT_RECEIVER_WAT = `
(module
  (import "env" "current_account_id" (func $current_account_id (param i64)))
  (import "env" "register_len" (func $register_len (param i64) (result i64)))
  (import "env" "read_register" (func $read_register (param i64 i64)))
  (import "env" "value_return" (func $value_return (param i64 i64)))
  (import "env" "log_utf8" (func $log_utf8 (param i64 i64)))
  (import "env" "promise_create" (func $promise_create (param i64 i64 i64 i64 i64 i64 i64 i64) (result i64)))
  (import "env" "promise_return" (func $promise_return (param i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "value_please")
  (data (i32.const 32) "\\2210\\22")
  (data (i32.const 48) "ft_on_transfer called")
  (func (export "ft_on_transfer")
    (call $log_utf8 (i64.const 21) (i64.const 48))
    (call $current_account_id (i64.const 0))
    (call $read_register (i64.const 0) (i64.const 1024))
    (call $promise_return
      (call $promise_create (call $register_len (i64.const 0)) (i64.const 1024) (i64.const 12) (i64.const 16)
        (i64.const 0) (i64.const 0) (i64.const 0) (i64.const 10000000000000))))
  (func (export "value_please")
    (call $value_return (i64.const 4) (i64.const 32)))
)
`;

let receiverPath: Promise<string> | undefined;

export function ftReceiverWasmPath(): Promise<string> {
  receiverPath ??= compileWat(FT_RECEIVER_WAT).then((wasm) => {
    const dir = mkdtempSync(join(tmpdir(), 'ft-receiver-'));
    const path = join(dir, 'ft-receiver.wasm');
    writeFileSync(path, wasm);
    return path;
  });
  return receiverPath;
}

export async function compileWat(source: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const module = wabt.parseWat('contract.wat', source);
  try {
    module.validate();
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

let probePath: Promise<string> | undefined;

/** The probe contract compiled to a temp .wasm file (near-workspaces' devDeploy takes a path). */
export function probeWasmPath(): Promise<string> {
  probePath ??= compileWat(PROBE_WAT).then((wasm) => {
    const dir = mkdtempSync(join(tmpdir(), 'probe-contract-'));
    const path = join(dir, 'probe.wasm');
    writeFileSync(path, wasm);
    return path;
  });
  return probePath;
}

export async function probeWasm(): Promise<Uint8Array> {
  return compileWat(PROBE_WAT);
}
