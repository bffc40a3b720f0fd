/**
 * nearcore `GasCounter` (runtime/near-vm-runner/src/logic/gas_counter.rs): burnt vs used gas, the fast
 * `gas_limit`, prepaid-gas accounting for promises, and the per-cost profile.
 */
import { HostError, hostErrors } from './errors.js';

const U64_MAX = (1n << 64n) - 1n;

export class GasCounter {
  burntGas = 0n;
  promisesGas = 0n;
  /** min(max_gas_burnt, prepaid − promises): the ceiling for burn_gas (the "fast counter" limit). */
  gasLimit: bigint;
  /** Gas per profile key (nearcore ExtCosts / ActionCosts names, SCREAMING_SNAKE_CASE as RPC prints them). */
  readonly profile = new Map<string, bigint>();

  constructor(
    readonly maxGasBurnt: bigint,
    readonly prepaidGas: bigint,
    readonly isView: boolean,
  ) {
    this.gasLimit = maxGasBurnt < prepaidGas ? maxGasBurnt : prepaidGas;
  }

  get usedGas(): bigint {
    return this.burntGas + this.promisesGas;
  }

  private record(key: string, gas: bigint): void {
    if (gas !== 0n) this.profile.set(key, (this.profile.get(key) ?? 0n) + gas);
  }

  /** `burn_gas`; `profileKey` gets the amount actually burnt. */
  burn(gas: bigint, profileKey: string | null): void {
    const newBurnt = this.burntGas + gas;
    if (newBurnt > U64_MAX) throw hostErrors.integerOverflow();
    if (newBurnt <= this.gasLimit) {
      this.burntGas = newBurnt;
      if (profileKey) this.record(profileKey, gas);
      return;
    }
    const before = this.burntGas;
    const err = this.processGasLimit(newBurnt, newBurnt + this.promisesGas);
    if (profileKey) this.record(profileKey, this.burntGas - before);
    throw err;
  }

  /** `pay_per(cost, n)`: checked multiplication, overflow burns nothing. */
  payPer(unitCost: bigint, n: bigint, profileKey: string): void {
    const gas = unitCost * n;
    if (gas > U64_MAX) throw hostErrors.integerOverflow();
    this.burn(gas, profileKey);
  }

  /** `process_gas_limit`: clamp burnt/promises, pick GasLimitExceeded over GasExceeded. */
  private processGasLimit(newBurnt: bigint, newUsed: bigint): HostError {
    const hardLimit = this.prepaidGas < this.maxGasBurnt ? this.prepaidGas : this.maxGasBurnt;
    this.burntGas = newBurnt < hardLimit ? newBurnt : hardLimit;
    const usedCap = this.prepaidGas < newUsed ? this.prepaidGas : newUsed;
    const promises = usedCap - this.burntGas;
    this.promisesGas = promises > 0n ? promises : 0n;
    if (newBurnt > this.maxGasBurnt) return hostErrors.gasLimitExceeded();
    return hostErrors.gasExceeded();
  }

  /** `deduct_gas(burn, use)`: action fees and prepaid gas (use − burn is reserved, not burnt). */
  deduct(burn: bigint, use: bigint, profileKey: string | null): void {
    const promiseDelta = use - burn;
    const newBurnt = this.burntGas + burn;
    const newUsed = newBurnt + this.promisesGas + promiseDelta;
    if (newBurnt > U64_MAX || newUsed > U64_MAX) throw hostErrors.integerOverflow();
    if (newBurnt <= this.maxGasBurnt && (this.isView || newUsed <= this.prepaidGas)) {
      this.burntGas = newBurnt;
      this.promisesGas += promiseDelta;
      if (profileKey) this.record(profileKey, burn);
      if (!this.isView && promiseDelta > 0n) {
        const rest = this.prepaidGas - this.promisesGas;
        this.gasLimit = this.maxGasBurnt < rest ? this.maxGasBurnt : rest;
      }
      return;
    }
    const before = this.burntGas;
    const err = this.processGasLimit(newBurnt, newUsed);
    if (profileKey) this.record(profileKey, this.burntGas - before);
    throw err;
  }

  /** `prepay_gas`: gas attached to a function call. */
  prepay(gas: bigint): void {
    this.deduct(0n, gas, null);
  }

  /** Profile with WASM_INSTRUCTION = burnt − everything else (nearcore `compute_outcome`). */
  finalProfile(): Record<string, bigint> {
    const out: Record<string, bigint> = {};
    let rest = 0n;
    for (const [k, v] of this.profile) {
      out[k] = v;
      rest += v;
    }
    const wasm = this.burntGas - rest;
    if (wasm > 0n) out['WASM_INSTRUCTION'] = wasm;
    return out;
  }
}
