import test from 'ava';
import {
  DEFAULT_PROTOCOL_VERSION,
  execFee,
  runtimeConfig,
  sendFee,
  SUPPORTED_PROTOCOL_VERSIONS,
  UnsupportedProtocolVersionError,
} from '../../src/parameters/index.js';

test('PV86 table matches nearcore config snapshot __86.json.snap (spot checks)', (t) => {
  const c = runtimeConfig(86);
  t.is(c.extCosts.base, 264_768_111n);
  t.is(c.extCosts.storage_write_base, 64_196_736_000n);
  t.is(c.extCosts.touching_trie_node, 2_280_000_000n);
  t.is(c.wasm.regularOpCost, 822_756n);
  t.is(c.wasm.maxGasBurnt, 1_000_000_000_000_000n);
  t.is(c.limits.maxTotalPrepaidGas, 1_000_000_000_000_000n);
  t.is(c.actionFees.createAccount.execution, 7_200_000_000_000n);
  t.is(c.limits.maxDeployActionsPerReceipt, 10);
  t.is(c.accountCreationCharge, 7_000_000_000_000_000_000_000n);
  t.true(c.wasm.reftypesBulkMemory);
  t.regex(c.snapshot, /__86\.json\.snap/);
});

test('PV77 table matches nearcore config snapshot __77.json.snap (differences from 86)', (t) => {
  const c = runtimeConfig(77);
  t.is(c.extCosts.touching_trie_node, 16_101_955_926n);
  t.is(c.wasm.maxGasBurnt, 300_000_000_000_000n);
  t.is(c.actionFees.createAccount.sendSir, 3_850_000_000_000n);
  t.is(c.limits.maxDeployActionsPerReceipt, 100);
  t.is(c.pessimisticGasPriceInflation.numerator, 103n);
  t.is(c.accountIdValidityRulesVersion, 1);
  t.false(c.wasm.reftypesBulkMemory);
  t.false(c.wasm.deterministicAccountIds);
});

test('default and supported versions; unsupported version is a clear error', (t) => {
  t.is(DEFAULT_PROTOCOL_VERSION, 86);
  t.deepEqual([...SUPPORTED_PROTOCOL_VERSIONS], [77, 86]);
  t.is(runtimeConfig().protocolVersion, 86);
  const err = t.throws(() => runtimeConfig(80), { instanceOf: UnsupportedProtocolVersionError });
  t.regex(err!.message, /80 is not supported; use one of 77, 86/);
});

test('fee helpers follow nearcore Fee::send_fee / exec_fee', (t) => {
  const f = runtimeConfig(86).actionFees.functionCallByte;
  t.is(sendFee(f, true), 2_235_934n);
  t.is(sendFee(f, false), 47_683_715n);
  t.is(execFee(f), 2_235_934n);
});

// Fees the PV 86 snapshot view does not show, each pinned to the nearcore file that sets it (send_sir, send_not_sir,
// execution). Before this check the gas-key fees came from an independent checker of neard 2.13.4 and the state-init
// split was inferred from create_account's; both equal nearcore's own files.
test('PV86 gas-key fees equal near/nearcore core/parameters/res/runtime_configs/parameters.yaml @000b8da7 action_gas_key_* (unchanged by 85.yaml, 86.yaml @890e1b08)', (t) => {
  const f = runtimeConfig(86).actionFees;
  t.deepEqual(f.gasKeyTransferBase, { sendSir: 115_123_062_500n, sendNotSir: 115_123_062_500n, execution: 235_676_644_250n });
  t.deepEqual(f.gasKeyByte, { sendSir: 59_357_464n, sendNotSir: 59_357_464n, execution: 101_435_400n });
  t.deepEqual(f.gasKeyNonceWriteBase, { sendSir: 0n, sendNotSir: 0n, execution: 64_196_736_000n });
});

test('PV86 state-init base fee split equals near/nearcore core/parameters/res/runtime_configs/85.yaml @890e1b08 action_deterministic_state_init (0.5T send, 7.43T exec)', (t) => {
  const f = runtimeConfig(86).actionFees;
  t.deepEqual(f.deterministicStateInitBase, { sendSir: 500_000_000_000n, sendNotSir: 500_000_000_000n, execution: 7_430_000_000_000n });
  t.deepEqual(f.deterministicStateInitEntry, { sendSir: 0n, sendNotSir: 0n, execution: 200_000_000_000n });
  t.deepEqual(f.deterministicStateInitByte, { sendSir: 72_000_000n, sendNotSir: 72_000_000n, execution: 70_000_000n });
  // 85.yaml's `old` value is parameters.yaml's 3.85T/3.85T/4.08T: the table keeps it below 85, where the action is absent.
  t.deepEqual(runtimeConfig(77).actionFees.deterministicStateInitBase, { sendSir: 3_850_000_000_000n, sendNotSir: 3_850_000_000_000n, execution: 4_080_000_000_000n });
});
