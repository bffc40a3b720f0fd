/** Amounts as people read them. USDX has 6 decimals; NEAR 24. */
export const USDX = 1_000_000n;

function decimal(amount: bigint, decimals: number, shown: number): string {
  const unit = 10n ** BigInt(decimals);
  const whole = amount / unit;
  const fraction = (amount % unit).toString().padStart(decimals, '0').slice(0, shown).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

export const formatUsdx = (amount: bigint) => `${decimal(amount, 6, 2)} USDX`;
export const formatNear = (amount: bigint) => `${decimal(amount, 24, 4)} NEAR`;
export const formatTgas = (gas: bigint) => `${(Number(gas) / 1e12).toFixed(1)} Tgas`;
export const formatDeposit = (yocto: bigint) => (yocto === 0n ? 'no deposit' : yocto < 10n ** 18n ? `${yocto} yoctoNEAR` : formatNear(yocto));

/** "12.5" USDX → base units; throws with what is wrong. */
export function parseUsdx(text: string): bigint {
  const match = /^\s*(\d+)(?:\.(\d{1,6}))?\s*$/.exec(text);
  if (!match) throw new Error(`"${text}" is not an amount of USDX (e.g. 12 or 2.50, at most 6 decimals)`);
  return BigInt(match[1]!) * USDX + BigInt((match[2] ?? '').padEnd(6, '0'));
}
