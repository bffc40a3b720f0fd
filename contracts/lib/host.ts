/**
 * Typed bindings for NEAR host functions that near-sdk-js 2.0.0 does not expose. The contract
 * builder (@near-ts/contract-builder) adds C wrappers for them to the `env` object of every contract
 * it builds; see packages/contract-builder/c/host_extras.c.
 *
 * Host semantics: nearcore runtime/near-vm-runner/src/logic/logic.rs (NEP-519 yield/resume,
 * ed25519_verify); summary in /work/shared/notes/nearcore-vm.md sections 4.2 and 4.5.
 *
 * Import without a file extension (`from "../../lib/host"`): near-sdk-js's Rollup resolves
 * extension-less specifiers to .ts files.
 */
import { encode } from "near-sdk-js";

type U64 = number | bigint;

interface ExtraHostFunctions {
  promise_yield_create(method: string, args: Uint8Array, gas: U64, gasWeight: U64, registerId: U64): bigint;
  promise_yield_resume(dataId: Uint8Array, payload: Uint8Array): number;
  ed25519_verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): bigint;
  read_register(registerId: U64): Uint8Array | undefined;
}

declare const env: ExtraHostFunctions;

/** Length of the data id promise_yield_create writes to its register. */
export const YIELD_DATA_ID_LENGTH = 32;
/** Largest payload promise_yield_resume accepts (nearcore max_yield_payload_size). */
export const MAX_YIELD_PAYLOAD = 1024;

function toBytes(value: string | Uint8Array): Uint8Array {
  return typeof value === "string" ? encode(value) : value;
}

/**
 * NEP-519: create a yielded promise that will call `method` on this contract with `args` once it is
 * resumed (or, after 200 blocks without resume, with a failed promise result). Writes the 32-byte
 * data id to register `registerId` (read it with {@link readRegister}) and returns the promise index.
 * Not allowed in view calls.
 */
export function promiseYieldCreate(method: string, args: string | Uint8Array, gas: U64, gasWeight: U64, registerId: U64): bigint {
  return env.promise_yield_create(method, toBytes(args), gas, gasWeight, registerId);
}

/**
 * NEP-519: resume the yielded promise identified by `dataId` (32 bytes) with `payload` (at most
 * 1024 bytes; strings are UTF-8 encoded). True when a pending yield was resumed, false when there
 * is no such yield for this account (unknown, already resumed or timed out).
 */
export function promiseYieldResume(dataId: Uint8Array, payload: string | Uint8Array): boolean {
  return env.promise_yield_resume(dataId, toBytes(payload)) === 1;
}

/**
 * Verify an ed25519 signature (64 bytes) of `message` by `publicKey` (32 bytes). A signature or
 * key of the wrong length aborts the call (host error Ed25519VerifyInvalidInput).
 */
export function ed25519Verify(signature: Uint8Array, message: string | Uint8Array, publicKey: Uint8Array): boolean {
  return env.ed25519_verify(signature, toBytes(message), publicKey) === 1n;
}

/** Read a register written by a host call; throws when it is unset. */
export function readRegister(registerId: U64): Uint8Array {
  const value = env.read_register(registerId);
  if (value === undefined) throw new Error(`register ${registerId} is not set`);
  return value;
}

/** promiseYieldCreate plus reading the data id: the usual way to start a yield. */
export function yieldCreate(method: string, args: string | Uint8Array, gas: U64, gasWeight: U64 = 0): { promiseIndex: bigint; dataId: Uint8Array } {
  const register = 0;
  const promiseIndex = promiseYieldCreate(method, args, gas, gasWeight, register);
  return { promiseIndex, dataId: readRegister(register) };
}
