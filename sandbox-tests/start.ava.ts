/**
 * `npm start`'s scenario, run in this process (scripts/scenario/run.ts): it builds (cached), starts
 * its own local node, deploys the five contracts and checks every step; any failed check rejects
 * with the step's number and what was expected. Here the final state is checked once more from
 * the result, and the narration for the steps people read.
 */
import test from 'ava';
import { runScenario, type ScenarioResult } from '../scripts/scenario/run.js';
import { Narrator, ScenarioStepFailed } from '../scripts/scenario/log.js';

const USDX = 1_000_000n;

test('the scenario runs to the end: project paid by consensus and gold, gasless tasker paid through the relayer, Ethereum signature verified', async (t) => {
  const lines: string[] = [];
  const result: ScenarioResult = await runScenario({ write: (line) => lines.push(line) });
  t.true(result.ok);
  t.deepEqual(result.usdx, { vendor: 56n * USDX, alice: 12n * USDX, bob: 0n, carol: 12n * USDX });
  t.regex(result.ethereumAddress, /^0x[0-9a-fA-F]{40}$/);
  t.is(result.steps.length, 14);
  t.true(result.steps.every((s) => s.ms > 0), 'every step ran');
  t.true(result.steps.filter((s) => s.transactions > 0).every((s) => s.gas > 0n), 'every step with transactions reports gas');
  const text = lines.join('\n');
  t.regex(text, /carol, with no NEAR, claims her bonus and withdraws her earnings through the relayer/);
  t.regex(text, /viem recovers the sender 0x/);
  t.regex(text, /Scenario complete/);
});

test('a failed check ends the step with its number, its title and what was expected', async (t) => {
  const lines: string[] = [];
  const narrator = new Narrator((line) => lines.push(line));
  await narrator.step('first', async () => undefined);
  const error = await t.throwsAsync(
    narrator.step('a step whose balance is wrong', async (step) => step.expectEqual(5n, 6n, "alice's USDX")),
    { instanceOf: ScenarioStepFailed },
  );
  t.is(error?.message, 'step 2 "a step whose balance is wrong" failed: alice\'s USDX: expected 6, got 5');
  t.true(lines.includes("   ✗ alice's USDX: expected 6, got 5"));
});
