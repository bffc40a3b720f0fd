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
