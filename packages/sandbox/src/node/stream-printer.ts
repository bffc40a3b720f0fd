/**
 * The dev node's stream as text (`npm run sandbox`): one line per transaction and per receipt, logs and
 * NEP-297 events beneath, failures as the contract's message. Colours only on a terminal.
 *
 *   #12 tx   8sKq…  alice.test.near → a.test.near  call_boom()                     converted 2.43 Tgas
 *   #12   ✔ a.test.near.call_boom()  ← alice.test.near                               3.10 Tgas
 *   #13   ✘ b.test.near.boom()  ← a.test.near                                        2.01 Tgas  Smart contract panicked: boom!
 *   #14   ✔ a.test.near.callback()  ← a.test.near                                    2.50 Tgas
 *           log   callback: failed
 *           event nep141 ft_transfer {"old_owner_id":"a.test.near",…}
 */
import { parseNep297, type ActionSummary, type ExecutionEvent } from '../runtime/execution-events.js';

export interface PrintOptions {
  /** ANSI colours (default: off). */
  color?: boolean;
  /** Refund receipts and each receipt's gas profile too. */
  verbose?: boolean;
}

const YOCTO_PER_NEAR = 10n ** 24n;
const GAS_PER_TGAS = 10n ** 12n;

export function formatTgas(gas: bigint): string {
  const hundredths = (gas * 100n + GAS_PER_TGAS / 2n) / GAS_PER_TGAS;
  return `${hundredths / 100n}.${String(hundredths % 100n).padStart(2, '0')} Tgas`;
}

/** NEAR with up to 6 decimals; amounts below a micro-NEAR in yocto. */
export function formatNear(yocto: bigint): string {
  if (yocto === 0n) return '0 NEAR';
  if (yocto < 10n ** 18n) return `${yocto} yocto`;
  const micro = yocto / 10n ** 18n;
  const whole = micro / 1_000_000n;
  const fraction = String(micro % 1_000_000n).padStart(6, '0').replace(/0+$/, '');
  return `${whole}${fraction ? `.${fraction}` : ''} NEAR`;
}

function describeActions(actions: ActionSummary[], receiverId: string, asCall: boolean): string {
  return actions
    .map((a) => {
      if (a.type === 'FunctionCall') return `${asCall ? `${receiverId}.` : ''}${a.methodName}()`;
      if (a.type === 'Transfer') return `transfer ${formatNear(a.deposit ?? 0n)}`;
      return a.type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
    })
    .join(', ');
}

export function createStreamPrinter(write: (line: string) => void, options: PrintOptions = {}): (event: ExecutionEvent) => void {
  const paint = (code: string) => (text: string) => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const dim = paint('2');
  const red = paint('31');
  const green = paint('32');
  const yellow = paint('33');
  const cyan = paint('36');
  const short = (id: string) => `${id.slice(0, 4)}…`;
  return (event) => {
    const height = dim(`#${event.blockHeight}`);
    if (event.kind === 'transaction') {
      const what = describeActions(event.actions, event.receiverId, false);
      const result = event.failure ? red(`rejected: ${event.failure}`) : dim(`converted ${formatTgas(event.gasBurnt)}`);
      write(`${height} tx   ${dim(short(event.hash))}  ${cyan(event.signerId)} → ${cyan(event.receiverId)}  ${what}  ${result}`);
      return;
    }
    if (event.isRefund && !options.verbose) return;
    const mark = event.failure ? red('✘') : green('✔');
    const calls = event.actions.some((a) => a.type === 'FunctionCall');
    const what = event.isRefund ? `refund ${formatNear(event.deposit)} → ${cyan(event.receiverId)}` : calls ? cyan(describeActions(event.actions, event.receiverId, true)) : `${describeActions(event.actions, event.receiverId, false)} → ${cyan(event.receiverId)}`;
    const deposit = !event.isRefund && event.deposit > 0n ? `  ${formatNear(event.deposit)}` : '';
    const failure = event.failure ? `  ${red(event.failure)}` : '';
    write(`${height}   ${mark} ${what}  ${dim(`← ${event.predecessorId}`)}${deposit}  ${formatTgas(event.gasBurnt)}${failure}`);
    for (const log of event.logs) {
      const nep297 = parseNep297(log);
      if (nep297) write(`        ${yellow('event')} ${nep297.standard} ${nep297.event} ${JSON.stringify(nep297.data ?? null)}`);
      else write(`        ${dim('log')}   ${log}`);
    }
    if (options.verbose) {
      for (const p of event.gasProfile) write(`        ${dim('gas')}   ${p.cost_category === 'ACTION_COST' ? 'action' : 'host  '} ${p.cost.padEnd(28)} ${formatTgas(BigInt(p.gas_used))}`);
    }
  };
}
