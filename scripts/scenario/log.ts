/**
 * The scenario's narration: numbered steps with their wall time and gas, notes and balance lines
 * inside a step, a progress line for long waits, and a summary table at the end. Every step's
 * checks throw `ScenarioCheckFailed`, which ends the scenario with the step and what was expected.
 */

const TGAS = 10n ** 12n;

export class ScenarioCheckFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioCheckFailed';
  }
}

export class ScenarioStepFailed extends Error {
  constructor(readonly step: number, readonly title: string, readonly cause: Error) {
    super(`step ${step} "${title}" failed: ${cause.message}`);
    this.name = 'ScenarioStepFailed';
  }
}

export interface StepRecord {
  number: number;
  title: string;
  ms: number;
  gas: bigint;
  transactions: number;
}

/** Anything that reports burnt gas: a client CallResult, a relayed outcome. */
export interface HasGas {
  gasBurnt: bigint;
}

export interface Step {
  /** A line of narration under the step. */
  note(text: string): void;
  /** Counts a transaction's gas toward the step and returns it unchanged. */
  gas<T extends HasGas>(result: T): T;
  /** Fails the step unless `actual` equals `expected` (bigint, number, string, boolean). */
  expectEqual<T>(actual: T, expected: T, what: string): void;
  expect(condition: boolean, what: string): void;
}

export function formatTgas(gas: bigint): string {
  return `${(Number(gas) / Number(TGAS)).toFixed(1)} Tgas`;
}

export function formatMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

export class Narrator {
  readonly steps: StepRecord[] = [];
  readonly #write: (line: string) => void;
  readonly #interactive: boolean;

  constructor(write: (line: string) => void = (line) => process.stdout.write(`${line}\n`), interactive = false) {
    this.#write = write;
    this.#interactive = interactive;
  }

  line(text = ''): void {
    this.#write(text);
  }

  async step<T>(title: string, body: (step: Step) => Promise<T>): Promise<T> {
    const record: StepRecord = { number: this.steps.length + 1, title, ms: 0, gas: 0n, transactions: 0 };
    this.steps.push(record);
    this.#write(`\n${record.number}. ${title}`);
    const started = performance.now();
    const step: Step = {
      note: (text) => this.#write(`   ${text}`),
      gas: (result) => {
        record.gas += result.gasBurnt;
        record.transactions += 1;
        return result;
      },
      expectEqual: (actual, expected, what) => {
        if (actual !== expected) throw new ScenarioCheckFailed(`${what}: expected ${String(expected)}, got ${String(actual)}`);
      },
      expect: (condition, what) => {
        if (!condition) throw new ScenarioCheckFailed(what);
      },
    };
    try {
      const value = await body(step);
      record.ms = performance.now() - started;
      const gas = record.transactions > 0 ? `, ${formatTgas(record.gas)} in ${record.transactions} transaction${record.transactions === 1 ? '' : 's'}` : '';
      this.#write(`   ✓ ${formatMs(record.ms)}${gas}`);
      return value;
    } catch (error) {
      record.ms = performance.now() - started;
      this.#write(`   ✗ ${(error as Error).message}`);
      throw new ScenarioStepFailed(record.number, title, error as Error);
    }
  }

  /**
   * Runs a long task with a progress line: a ticking counter on a terminal, a line every 10 s
   * otherwise (CI logs, tests).
   */
  async progress<T>(label: string, task: Promise<T>): Promise<T> {
    const started = performance.now();
    const elapsed = () => formatMs(performance.now() - started);
    const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    let frame = 0;
    const timer = this.#interactive
      ? setInterval(() => process.stdout.write(`\r   ${frames[frame++ % frames.length]} ${label} (${elapsed()})   `), 250)
      : setInterval(() => this.#write(`   … ${label} (${elapsed()})`), 10_000);
    try {
      return await task;
    } finally {
      clearInterval(timer);
      if (this.#interactive) process.stdout.write('\r\x1b[K');
    }
  }

  summary(extra: Array<[string, string]>): void {
    const totalGas = this.steps.reduce((sum, s) => sum + s.gas, 0n);
    const totalTx = this.steps.reduce((sum, s) => sum + s.transactions, 0);
    const label = (s: StepRecord) => (s.title.length > 58 ? `${s.title.slice(0, 57)}…` : s.title);
    const width = Math.max(...this.steps.map((s) => label(s).length), 20);
    this.#write('\nSummary');
    this.#write(`   ${'step'.padEnd(width + 4)} ${'time'.padStart(7)} ${'gas'.padStart(11)} ${'txs'.padStart(4)}`);
    for (const s of this.steps) {
      this.#write(`   ${`${String(s.number).padStart(2)}. ${label(s)}`.padEnd(width + 4)} ${formatMs(s.ms).padStart(7)} ${(s.transactions ? formatTgas(s.gas) : '–').padStart(11)} ${String(s.transactions || '–').padStart(4)}`);
    }
    this.#write(`   ${'total'.padEnd(width + 4)} ${formatMs(this.steps.reduce((sum, s) => sum + s.ms, 0)).padStart(7)} ${formatTgas(totalGas).padStart(11)} ${String(totalTx).padStart(4)}`);
    if (extra.length > 0) {
      this.#write('');
      const keyWidth = Math.max(...extra.map(([k]) => k.length));
      for (const [key, value] of extra) this.#write(`   ${key.padEnd(keyWidth)}  ${value}`);
    }
  }
}
