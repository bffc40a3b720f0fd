/**
 * Host functions against nearcore semantics (runtime/near-vm-runner/src/logic/logic.rs and the unit tests
 * in src/logic/tests/*.rs). Expected gas is computed from the PV86 table, never copied from our output.
 */
import test from 'ava';
import { sha256 } from '@noble/hashes/sha2.js';
import { keccak_256, keccak_512 } from '@noble/hashes/sha3.js';
import { ripemd160 } from '@noble/hashes/legacy.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bn254 } from '@noble/curves/bn254.js';
import { runtimeConfig } from '../../src/parameters/index.js';
import { call, MemoryExternal, program, u64 } from './helpers.js';

const ext = runtimeConfig(86).extCosts;
const c = (name: string) => ext[name]!;
const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const returned = (o: { returnData: { kind: string; value?: Uint8Array } }) => {
  if (o.returnData.kind !== 'Value') throw new Error(`no value returned: ${o.returnData.kind}`);
  return o.returnData.value!;
};
const RET_REG0 = `(call $value_return ${u64(-1)} ${u64(0)})`;

test('registers: write_register + read_register cost 5_394_388_050 (nearcore vmstate.rs registers_set)', (t) => {
  const o = call(
    program({
      imports: ['write_register', 'read_register', 'value_return'],
      data: [[0, 'foo']],
      body: `(call $write_register ${u64(42)} ${u64(3)} ${u64(0)}) (call $read_register ${u64(42)} ${u64(100)}) (call $value_return ${u64(3)} ${u64(100)})`,
    }),
  );
  t.is(o.aborted, null);
  t.is(text(returned(o)), 'foo');
  const p = o.profile;
  const registerGas = p.WRITE_REGISTER_BASE! + p.WRITE_REGISTER_BYTE! + p.READ_REGISTER_BASE! + p.READ_REGISTER_BYTE!;
  t.is(registerGas, 5_394_388_050n);
  t.is(p.WRITE_MEMORY_BYTE, 3n * c('write_memory_byte'));
});

test('registers: reading a missing register is InvalidRegisterId; register_len is u64::MAX (vmstate.rs)', (t) => {
  const o = call(program({ imports: ['register_len', 'read_register', 'value_return'], body: `(drop (call $register_len ${u64(5)})) (call $read_register ${u64(7)} ${u64(0)})` }));
  t.deepEqual(o.aborted, { ExecutionError: 'Accessed invalid register id: 7' });
  const o2 = call(
    program({
      imports: ['register_len', 'value_return'],
      extra: '(global $g (mut i64) (i64.const 0))',
      body: `(i64.store (i32.const 0) (call $register_len ${u64(5)})) (call $value_return ${u64(8)} ${u64(0)})`,
    }),
  );
  t.deepEqual([...returned(o2)], [255, 255, 255, 255, 255, 255, 255, 255]);
});

test('registers: the 101st register fails with MemoryAccessViolation, even as an overwrite (vmstate.rs quirk)', (t) => {
  const body = `(local $i i64)
    (loop $l
      (call $write_register (local.get $i) ${u64(1)} ${u64(0)})
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $l (i64.lt_u (local.get $i) (i64.const 100))))
    (call $write_register ${u64(0)} ${u64(1)} ${u64(0)})`;
  const o = call(program({ imports: ['write_register'], body }));
  t.deepEqual(o.aborted, { ExecutionError: 'Accessed memory outside the bounds.' });
});

test('sha256/keccak256/keccak512/ripemd160 of "tesdsst" (nearcore logic/tests/miscs.rs)', (t) => {
  const input = new TextEncoder().encode('tesdsst');
  for (const [fn, hash] of [
    ['sha256', sha256],
    ['keccak256', keccak_256],
    ['keccak512', keccak_512],
    ['ripemd160', ripemd160],
  ] as const) {
    const o = call(
      program({ imports: [fn, 'value_return'], data: [[0, input]], body: `(call $${fn} ${u64(7)} ${u64(0)} ${u64(0)}) ${RET_REG0}` }),
    );
    t.is(o.aborted, null, fn);
    t.deepEqual(returned(o), hash(input), fn);
    if (fn === 'ripemd160') {
      t.is(o.profile.RIPEMD160_BLOCK, c('ripemd160_block')); // (7 + 8) / 64 + 1 = 1 block
    } else {
      t.is(o.profile[`${fn.toUpperCase()}_BASE`], c(`${fn}_base`), fn);
      t.is(o.profile[`${fn.toUpperCase()}_BYTE`], 7n * c(`${fn}_byte`), fn);
    }
    t.is(o.profile.BASE, c('base')); // only value_return pays base: hash functions do not (logic.rs)
  }
  const sha = call(program({ imports: ['sha256', 'value_return'], data: [[0, input]], body: `(call $sha256 ${u64(7)} ${u64(0)} ${u64(0)}) ${RET_REG0}` }));
  t.is(Buffer.from(returned(sha)).toString('hex'), '12b0739c2d64f184b4864d2a696fc77f76705cff582b53937a371a242a9ca09e');
});

test('ripemd160 charges (len + 8) / 64 + 1 blocks: 55 bytes -> 1, 56 bytes -> 2 (logic.rs)', (t) => {
  for (const [len, blocks] of [[55, 1n], [56, 2n]] as const) {
    const o = call(program({ imports: ['ripemd160'], body: `(call $ripemd160 ${u64(len)} ${u64(0)} ${u64(0)})` }));
    t.is(o.profile.RIPEMD160_BLOCK, blocks * c('ripemd160_block'));
  }
});

test('hash input from a register: len = u64::MAX reads register ptr (miscs.rs test_hash256_register)', (t) => {
  const o = call(
    program({
      imports: ['write_register', 'sha256', 'value_return'],
      data: [[0, 'tesdsst']],
      body: `(call $write_register ${u64(1)} ${u64(7)} ${u64(0)}) (call $sha256 ${u64(-1)} ${u64(1)} ${u64(0)}) ${RET_REG0}`,
    }),
  );
  t.deepEqual(returned(o), sha256(new TextEncoder().encode('tesdsst')));
  t.is(o.profile.READ_REGISTER_BASE, 2n * c('read_register_base'));
  t.is(o.profile.READ_MEMORY_BASE, c('read_memory_base')); // only write_register read memory
});

test('ecrecover recovers the 64-byte public key; malleability flag rejects high s (miscs.rs test_ecrecover)', (t) => {
  const sk = secp256k1.utils.randomSecretKey(new Uint8Array(48).fill(3));
  const hash = sha256(new TextEncoder().encode('message'));
  const sigRec = secp256k1.sign(hash, sk, { prehash: false, format: 'recovered' });
  const v = sigRec[0]!;
  const sig = sigRec.subarray(1);
  const pk = secp256k1.getPublicKey(sk, false).subarray(1);
  const ecre = (flag: number, vv = v, s = sig) =>
    call(
      program({
        imports: ['ecrecover', 'value_return'],
        data: [[0, hash], [32, s]],
        body: `(if (i64.eq (call $ecrecover ${u64(32)} ${u64(0)} ${u64(64)} ${u64(32)} ${u64(vv)} ${u64(flag)} ${u64(0)}) (i64.const 1)) (then ${RET_REG0}))`,
      }),
    );
  const ok = ecre(0);
  t.deepEqual(returned(ok), pk);
  t.is(ok.profile.ECRECOVER_BASE, c('ecrecover_base'));
  t.is(ok.profile.READ_MEMORY_BYTE, 96n * c('read_memory_byte'));
  // High-s twin of the signature: valid without the flag, rejected (0) with it.
  const N = secp256k1.Point.CURVE().n;
  const s = BigInt('0x' + Buffer.from(sig.subarray(32)).toString('hex'));
  const highS = new Uint8Array(64);
  highS.set(sig.subarray(0, 32));
  highS.set(Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex'), 32);
  t.deepEqual(returned(ecre(0, v ^ 1, highS)), pk);
  t.is(ecre(1, v ^ 1, highS).returnData.kind, 'None');
  t.deepEqual(ecre(0, 4).aborted, { ExecutionError: 'ECDSA recover error: V recovery byte 0 through 3 are valid but was provided 4' });
  t.deepEqual(ecre(2).aborted, { ExecutionError: 'ECDSA recover error: Malleability flag needs to be 0 or 1, but is instead 2' });
});

test('ed25519_verify: 1 for a valid signature, 0 for a tampered message, error for a bad length (logic.rs)', (t) => {
  const sk = new Uint8Array(32).fill(9);
  const msg = new TextEncoder().encode('hello');
  const sig = ed25519.sign(msg, sk);
  const pk = ed25519.getPublicKey(sk);
  const verify = (m: Uint8Array, sigLen = 64) =>
    call(
      program({
        imports: ['ed25519_verify', 'value_return'],
        data: [[0, sig], [64, pk], [96, m]],
        body: `(i64.store (i32.const 200) (call $ed25519_verify ${u64(sigLen)} ${u64(0)} ${u64(m.length)} ${u64(96)} ${u64(32)} ${u64(64)})) (call $value_return ${u64(1)} ${u64(200)})`,
      }),
    );
  const ok = verify(msg);
  t.deepEqual([...returned(ok)], [1]);
  t.is(ok.profile.ED25519_VERIFY_BYTE, 5n * c('ed25519_verify_byte'));
  t.deepEqual([...returned(verify(new TextEncoder().encode('hellO')))], [0]);
  t.deepEqual(verify(msg, 63).aborted, { ExecutionError: 'ED25519 signature verification error: invalid signature length' });
});

const le32 = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex').reverse();
const g1Bytes = (p: typeof bn254.G1.Point.BASE) => {
  const a = p.toAffine();
  return Buffer.concat([le32(a.x), le32(a.y)]);
};
const g2Bytes = (p: typeof bn254.G2.Point.BASE) => {
  const a = p.toAffine();
  return Buffer.concat([le32(a.x.c0), le32(a.x.c1), le32(a.y.c0), le32(a.y.c1)]);
};

test('alt_bn128_g1_multiexp / g1_sum: G·2 + G·3 = G·5; P + (−P) = 0 (logic.rs, little-endian points)', (t) => {
  const G = bn254.G1.Point.BASE;
  const input = Buffer.concat([g1Bytes(G), le32(2n), g1Bytes(G), le32(3n)]);
  const o = call(
    program({ imports: ['alt_bn128_g1_multiexp', 'value_return'], data: [[0, input]], body: `(call $alt_bn128_g1_multiexp ${u64(192)} ${u64(0)} ${u64(0)}) ${RET_REG0}` }),
  );
  t.is(o.aborted, null);
  t.deepEqual(Buffer.from(returned(o)), g1Bytes(G.multiply(5n)));
  t.is(o.profile.ALT_BN128_G1_MULTIEXP_ELEMENT, 2n * c('alt_bn128_g1_multiexp_element'));
  const sumIn = Buffer.concat([Buffer.of(0), g1Bytes(G.multiply(7n)), Buffer.of(1), g1Bytes(G.multiply(7n))]);
  const s = call(program({ imports: ['alt_bn128_g1_sum', 'value_return'], data: [[0, sumIn]], body: `(call $alt_bn128_g1_sum ${u64(130)} ${u64(0)} ${u64(0)}) ${RET_REG0}` }));
  t.deepEqual(Buffer.from(returned(s)), Buffer.alloc(64));
  const bad = call(program({ imports: ['alt_bn128_g1_sum'], body: `(call $alt_bn128_g1_sum ${u64(64)} ${u64(0)} ${u64(0)})` }));
  t.regex(String(bad.aborted?.ExecutionError), /^AltBn128 invalid input: /);
  // (1, 1) is not on the curve: nearcore alt_bn128.rs decode_g1 -> "invalid g1: {raw:X?}"
  const offCurve = Buffer.concat([Buffer.of(0), le32(1n), le32(1n)]);
  const off = call(program({ imports: ['alt_bn128_g1_sum'], data: [[0, offCurve]], body: `(call $alt_bn128_g1_sum ${u64(65)} ${u64(0)} ${u64(0)})` }));
  t.is(off.aborted?.ExecutionError, `AltBn128 invalid input: invalid g1: [1, ${Array(31).fill('0').join(', ')}, 1, ${Array(31).fill('0').join(', ')}]`);
});

test('alt_bn128_pairing_check: e(P,Q)·e(−P,Q) = 1 -> 1, e(P,Q) alone -> 0', (t) => {
  const P = bn254.G1.Point.BASE.multiply(3n);
  const Q = bn254.G2.Point.BASE.multiply(5n);
  const check = (pairs: Buffer) =>
    call(
      program({
        imports: ['alt_bn128_pairing_check', 'value_return'],
        data: [[0, pairs]],
        body: `(i64.store (i32.const 1000) (call $alt_bn128_pairing_check ${u64(pairs.length)} ${u64(0)})) (call $value_return ${u64(1)} ${u64(1000)})`,
      }),
    );
  const yes = check(Buffer.concat([g1Bytes(P), g2Bytes(Q), g1Bytes(P.negate()), g2Bytes(Q)]));
  t.deepEqual([...returned(yes)], [1]);
  t.is(yes.profile.ALT_BN128_PAIRING_CHECK_ELEMENT, 2n * c('alt_bn128_pairing_check_element'));
  t.deepEqual([...returned(check(Buffer.concat([g1Bytes(P), g2Bytes(Q)])))], [0]);
});

test('logs: log_utf8 / log_utf16 content and costs (logic.rs log_utf8, log_utf16)', (t) => {
  const utf16 = Buffer.from('héllo', 'utf16le');
  const o = call(
    program({
      imports: ['log_utf8', 'log_utf16'],
      data: [[0, 'héllo'], [100, utf16]],
      body: `(call $log_utf8 ${u64(6)} ${u64(0)}) (call $log_utf16 ${u64(utf16.length)} ${u64(100)})`,
    }),
  );
  t.deepEqual(o.logs, ['héllo', 'héllo']);
  t.is(o.profile.LOG_BYTE, 12n * c('log_byte')); // log_byte counts UTF-8 bytes of both messages
  t.is(o.profile.UTF16_DECODING_BYTE, BigInt(utf16.length) * c('utf16_decoding_byte'));
});

test('logs: NUL-terminated log_utf8 (len = u64::MAX) reads up to the 0 byte, paying RM(1) per byte', (t) => {
  const o = call(program({ imports: ['log_utf8'], data: [[0, 'abc\0zzz']], body: `(call $log_utf8 ${u64(-1)} ${u64(0)})` }));
  t.deepEqual(o.logs, ['abc']);
  t.is(o.profile.READ_MEMORY_BASE, 4n * c('read_memory_base'));
});

test('logs: the 101st log fails with NumberOfLogsExceeded; earlier logs and gas are kept (logic.rs)', (t) => {
  const body = `(local $i i32) (loop $l (call $log_utf8 ${u64(1)} ${u64(0)}) (local.set $i (i32.add (local.get $i) (i32.const 1))) (br_if $l (i32.le_u (local.get $i) (i32.const 100))))`;
  const o = call(program({ imports: ['log_utf8'], data: [[0, 'x']], body }));
  t.deepEqual(o.aborted, { ExecutionError: 'The number of logs will exceed the limit 100' });
  t.is(o.logs.length, 100);
  t.true(o.burntGas > 100n * c('log_base'));
});

test('logs: total length over 16384 is TotalLogLengthExceeded; bad UTF-8 is BadUTF8 (logic.rs)', (t) => {
  const big = call(program({ imports: ['log_utf8'], body: `(call $log_utf8 ${u64(16385)} ${u64(0)})` }));
  t.deepEqual(big.aborted, { ExecutionError: 'The length of a log message 16385 exceeds the limit 16384' });
  const bad = call(program({ imports: ['log_utf8'], data: [[0, new Uint8Array([0xff, 0xfe])]], body: `(call $log_utf8 ${u64(2)} ${u64(0)})` }));
  t.deepEqual(bad.aborted, { ExecutionError: 'String encoding is bad UTF-8 sequence.' });
  const odd = call(program({ imports: ['log_utf16'], body: `(call $log_utf16 ${u64(3)} ${u64(0)})` }));
  t.deepEqual(odd.aborted, { ExecutionError: 'String encoding is bad UTF-16 sequence.' });
});

test('panic / panic_utf8: "Smart contract panicked: …", logs before the panic are kept (errors.rs GuestPanic)', (t) => {
  const p = call(program({ imports: ['panic', 'log_utf8'], data: [[0, 'before']], body: `(call $log_utf8 ${u64(6)} ${u64(0)}) (call $panic)` }));
  t.deepEqual(p.aborted, { ExecutionError: 'Smart contract panicked: explicit guest panic' });
  t.deepEqual(p.logs, ['before']);
  t.true(p.burntGas > 0n);
  t.is(p.usedGas, p.burntGas);
  const pu = call(program({ imports: ['panic_utf8'], data: [[0, 'boom']], body: `(call $panic_utf8 ${u64(4)} ${u64(0)})` }));
  t.deepEqual(pu.aborted, { ExecutionError: 'Smart contract panicked: boom' });
  t.deepEqual(pu.logs, []);
});

test('value_return: the last call wins; over 4 MiB is ReturnedValueLengthExceeded (logic.rs)', (t) => {
  const o = call(program({ imports: ['value_return'], data: [[0, 'ab']], body: `(call $value_return ${u64(1)} ${u64(0)}) (call $value_return ${u64(2)} ${u64(0)})` }));
  t.is(text(returned(o)), 'ab');
  const big = call(
    program({ imports: ['value_return'], extra: '', body: `(drop (memory.grow (i32.const 64))) (call $value_return ${u64(4194305)} ${u64(0)})` }),
  );
  t.deepEqual(big.aborted, { ExecutionError: 'The length of a returned value 4194305 exceeds the limit 4194304' });
});

test('value_return with output data receivers burns new_data_receipt_byte (send + exec) per byte (logic.rs)', (t) => {
  const fees = runtimeConfig(86).actionFees.newDataReceiptByte;
  const o = call(program({ imports: ['value_return'], data: [[0, 'abcd']], body: `(call $value_return ${u64(4)} ${u64(0)})` }), {
    context: { outputDataReceivers: ['bob.near', 'alice.near'] },
  });
  t.is(o.profile.NEW_DATA_RECEIPT_BYTE, 4n * (fees.sendNotSir + fees.execution) + 4n * (fees.sendSir + fees.execution));
});

test('context getters return the VMContext values (logic.rs)', (t) => {
  const getters = ['current_account_id', 'signer_account_id', 'predecessor_account_id', 'input', 'random_seed', 'signer_account_pk'];
  const results: Record<string, Uint8Array> = {};
  for (const g of getters) {
    const o = call(program({ imports: [g, 'value_return'], body: `(call $${g} ${u64(0)}) ${RET_REG0}` }), {
      context: { input: new TextEncoder().encode('{"a":1}'), signerAccountPk: new Uint8Array([0, ...new Uint8Array(32).fill(1)]) },
    });
    results[g] = returned(o);
  }
  t.is(text(results.current_account_id), 'alice.near');
  t.is(text(results.signer_account_id), 'bob.near');
  t.is(text(results.predecessor_account_id), 'carol.near');
  t.is(text(results.input), '{"a":1}');
  t.deepEqual(results.random_seed, new Uint8Array(32).fill(7));
  t.is(results.signer_account_pk!.length, 33);
  const nums = call(
    program({
      imports: ['block_index', 'block_timestamp', 'epoch_height', 'storage_usage', 'prepaid_gas', 'account_balance', 'account_locked_balance', 'attached_deposit', 'value_return'],
      body: `(i64.store (i32.const 0) (call $block_index)) (i64.store (i32.const 8) (call $block_timestamp)) (i64.store (i32.const 16) (call $epoch_height))
        (i64.store (i32.const 24) (call $storage_usage)) (i64.store (i32.const 32) (call $prepaid_gas))
        (call $account_balance ${u64(40)}) (call $account_locked_balance ${u64(56)}) (call $attached_deposit ${u64(72)})
        (call $value_return ${u64(88)} ${u64(0)})`,
    }),
  );
  const b = Buffer.from(returned(nums));
  t.deepEqual(
    [0, 8, 16, 24, 32].map((o) => b.readBigUInt64LE(o)),
    [10n, 42n, 1n, 1000n, 300_000_000_000_000n],
  );
  t.is(b.readBigUInt64LE(40), 110n); // account_balance includes the attached deposit (logic.rs)
  t.is(b.readBigUInt64LE(56), 50n);
  t.is(b.readBigUInt64LE(72), 10n);
});

test('input register write charges no per-byte gas once DeterministicAccountIds is on (PV86), but does at PV77', (t) => {
  const code = program({ imports: ['input'], body: `(call $input ${u64(0)})` });
  const input = new Uint8Array(100);
  t.false("WRITE_REGISTER_BYTE" in call(code, { context: { input } }).profile);
  t.is(call(code, { context: { input }, protocolVersion: 77 }).profile.WRITE_REGISTER_BYTE, 100n * c('write_register_byte'));
});

test('storage_write/read/has_key/remove round trip with usage and exact host costs (logic.rs storage_*)', (t) => {
  const code = program({
    imports: ['storage_write', 'storage_read', 'storage_has_key', 'storage_remove', 'storage_usage', 'value_return'],
    data: [[0, 'key'], [16, 'value'], [32, 'other']],
    body: `(drop (call $storage_write ${u64(3)} ${u64(0)} ${u64(5)} ${u64(16)} ${u64(0)}))`,
  });
  const o = call(code);
  t.is(o.aborted, null);
  t.is(text(o.external.data.get(Buffer.from('key').toString('hex'))), 'value');
  t.is(o.storageUsage, 1000n + 3n + 5n + 40n);
  t.is(o.profile.STORAGE_WRITE_BASE, c('storage_write_base'));
  t.is(o.profile.STORAGE_WRITE_KEY_BYTE, 3n * c('storage_write_key_byte'));
  t.is(o.profile.STORAGE_WRITE_VALUE_BYTE, 5n * c('storage_write_value_byte'));
  t.false("STORAGE_WRITE_EVICTED_BYTE" in o.profile);

  const overwrite = call(
    program({
      imports: ['storage_write', 'value_return'],
      data: [[0, 'key'], [32, 'other']],
      body: `(if (i64.eq (call $storage_write ${u64(3)} ${u64(0)} ${u64(5)} ${u64(32)} ${u64(0)}) (i64.const 1)) (then ${RET_REG0}))`,
    }),
    { external: o.external },
  );
  t.is(text(returned(overwrite)), 'value');
  t.is(overwrite.profile.STORAGE_WRITE_EVICTED_BYTE, 5n * c('storage_write_evicted_byte'));
  t.is(overwrite.storageUsage, 1000n); // same length value: no change

  const read = call(
    program({ imports: ['storage_read', 'storage_has_key', 'value_return'], data: [[0, 'key']], body: `(if (i64.eq (call $storage_has_key ${u64(3)} ${u64(0)}) (i64.const 1)) (then (drop (call $storage_read ${u64(3)} ${u64(0)} ${u64(0)})) ${RET_REG0}))` }),
    { external: o.external },
  );
  t.is(text(returned(read)), 'other');
  t.is(read.profile.STORAGE_READ_VALUE_BYTE, 5n * c('storage_read_value_byte'));
  t.is(read.profile.STORAGE_HAS_KEY_BYTE, 3n * c('storage_has_key_byte'));

  const removed = call(
    program({ imports: ['storage_remove', 'value_return'], data: [[0, 'key']], body: `(drop (call $storage_remove ${u64(3)} ${u64(0)} ${u64(0)})) ${RET_REG0}` }),
    { external: o.external, context: { storageUsage: 1048n } },
  );
  t.is(text(returned(removed)), 'other');
  t.is(removed.storageUsage, 1000n);
  t.is(o.external.data.size, 0);
});

test('storage key over 2048 bytes is KeyLengthExceeded (53.yaml max_length_storage_key)', (t) => {
  const o = call(program({ imports: ['storage_read'], body: `(drop (call $storage_read ${u64(2049)} ${u64(0)} ${u64(0)}))` }));
  t.deepEqual(o.aborted, { ExecutionError: 'The length of a storage key 2049 exceeds the limit 2048' });
});

test('view calls: state-changing host functions are ProhibitedInView (promise_yield_resume as promise_submit_data: nearcore wasmtime_runner/logic.rs @015033ab), reads are allowed', (t) => {
  const write = call(program({ imports: ['storage_write'], body: `(drop (call $storage_write ${u64(1)} ${u64(0)} ${u64(1)} ${u64(0)} ${u64(0)}))` }), {
    context: { isView: true },
  });
  t.deepEqual(write.aborted, { ExecutionError: 'storage_write is not allowed in view calls' });
  const resume = call(program({ imports: ['promise_yield_resume'], body: `(drop (call $promise_yield_resume ${u64(32)} ${u64(0)} ${u64(0)} ${u64(0)}))` }), {
    context: { isView: true },
  });
  t.deepEqual(resume.aborted, { ExecutionError: 'promise_submit_data is not allowed in view calls' });
  const create = call(program({ imports: ['promise_create'], body: `(drop (call $promise_create ${u64(3)} ${u64(0)} ${u64(1)} ${u64(0)} ${u64(0)} ${u64(0)} ${u64(0)} ${u64(0)}))` }), {
    context: { isView: true },
  });
  t.deepEqual(create.aborted, { ExecutionError: 'promise_batch_create is not allowed in view calls' });
  const read = call(program({ imports: ['storage_read', 'signer_account_id'], body: `(drop (call $storage_read ${u64(1)} ${u64(0)} ${u64(0)})) (call $signer_account_id ${u64(0)})` }), {
    context: { isView: true },
  });
  t.deepEqual(read.aborted, { ExecutionError: 'signer_account_id is not allowed in view calls' });
  t.true(read.profile.STORAGE_READ_BASE! > 0n);
});

test('validator_stake / validator_total_stake write u128 amounts (logic.rs)', (t) => {
  const o = call(
    program({
      imports: ['validator_stake', 'validator_total_stake', 'value_return'],
      data: [[0, 'validator.near']],
      body: `(call $validator_stake ${u64(14)} ${u64(0)} ${u64(100)}) (call $validator_total_stake ${u64(116)}) (call $value_return ${u64(32)} ${u64(100)})`,
    }),
  );
  const b = Buffer.from(returned(o));
  t.is(b.readBigUInt64LE(0), 1_000_000n);
  t.is(b.readBigUInt64LE(16), 5_000_000n);
  t.is(o.profile.VALIDATOR_STAKE_BASE, c('validator_stake_base'));
});

test('deprecated storage_iter_prefix fails with Deprecated (logic.rs)', (t) => {
  const o = call(program({ imports: ['storage_iter_prefix'], body: `(drop (call $storage_iter_prefix ${u64(0)} ${u64(0)}))` }));
  t.deepEqual(o.aborted, { ExecutionError: 'Attempted to call deprecated host function storage_iter_prefix' });
});

test('storage ops charge the trie reads External.storageAccess reports: touching_trie_node per database read, read_cached_trie_node per cached read, the evicted value after its bytes; reads and has_key charge none (logic.rs storage_*, ext.rs, gas_counter.rs add_trie_fees)', (t) => {
  const external = new MemoryExternal();
  const asked: boolean[] = [];
  let valueTouches = 0;
  external.storageAccess = (_key, walkTrie) => {
    asked.push(walkTrie);
    const access = { dbReads: walkTrie ? 2 : 0, memReads: walkTrie ? 1 : 0, touchValue: () => void (valueTouches++, access.dbReads++) };
    return access;
  };
  const write = `(drop (call $storage_write ${u64(1)} ${u64(0)} ${u64(1)} ${u64(0)} ${u64(0)}))`;
  const o = call(
    program({
      imports: ['storage_write', 'storage_read', 'storage_has_key', 'storage_remove'],
      data: [[0, 'k']],
      // new key, then the same key again (evicts a value), a read, a has_key, and a remove (removes a value)
      body: `${write} ${write} (drop (call $storage_read ${u64(1)} ${u64(0)} ${u64(0)})) (drop (call $storage_has_key ${u64(1)} ${u64(0)})) (drop (call $storage_remove ${u64(1)} ${u64(0)} ${u64(0)}))`,
    }),
    { external },
  );
  t.is(o.aborted, null);
  t.deepEqual(asked, [true, true, false, true]);
  t.is(valueTouches, 3, 'the evicted, read and removed values are dereferenced');
  // 2 + (2 + 1 value) + (2 + 1 value); the read's value touch is free
  t.is(o.profile.TOUCHING_TRIE_NODE, 8n * c('touching_trie_node'));
  t.is(o.profile.READ_CACHED_TRIE_NODE, 3n * c('read_cached_trie_node'));
});

/** nearcore tests/alt_bn128.rs `le_bytes!`: hex strings are u256 little-endian, numbers are single bytes. */
const leBytes = (...items: Array<string | number>) =>
  Buffer.concat(items.map((i) => (typeof i === 'number' ? Buffer.of(i) : Buffer.from(i.replace(/^0x/, '').padStart(64, '0'), 'hex').reverse())));

const bnCall = (fn: string, input: Uint8Array) =>
  call(
    program({
      imports: [fn, 'value_return'],
      data: input.length ? [[0, input]] : [],
      body:
        fn === 'alt_bn128_pairing_check'
          ? `(i64.store (i32.const 60000) (call $${fn} ${u64(input.length)} ${u64(0)})) (call $value_return ${u64(1)} ${u64(60000)})`
          : `(call $${fn} ${u64(input.length)} ${u64(0)} ${u64(0)}) ${RET_REG0}`,
    }),
  );

test('alt_bn128_g1_multiexp vectors (nearcore logic/tests/alt_bn128.rs test_alt_bn128_g1_multiexp)', (t) => {
  const ok = (input: Buffer, expected: Buffer) => {
    const o = bnCall('alt_bn128_g1_multiexp', input);
    t.is(o.aborted, null);
    t.deepEqual(Buffer.from(returned(o)), expected);
  };
  ok(leBytes(), leBytes('0x0', '0x0'));
  ok(
    leBytes('0x2d6b17489d86fcd5f91e8e92eb55081d8cb4413e408047249ef4fb5baa1b518b', '0x1e4d0a30dbadd9dad40f7847c7013754ded8d0371c052d19f01453f4ae1506d7', '0x1'),
    leBytes('0x2d6b17489d86fcd5f91e8e92eb55081d8cb4413e408047249ef4fb5baa1b518b', '0x1e4d0a30dbadd9dad40f7847c7013754ded8d0371c052d19f01453f4ae1506d7'),
  );
  ok(
    leBytes(
      '0x12b453155ca3be5d0b14a4804cc39a0b4635b06d512735350cd031051644d3ec', '0x2944829dcfa7dd72bb04d12e46869e6a6c8162698f9a6c35724f91f597e25fc4', '0x112b450c0769c7cd80ffa552aaab2153adb5646664ee091639784a7f887411f7',
      '0x032b2c8b9f1e7f5e53c262ae87ccd1366df1af019f2dbfe1a58a6749ba4b923f', '0x0017741cde8d55ccce3a1dac210f531d22f574885226ea46fbbce4a4c75f7ed8', '0x19e4956d3cf5e04f938bc9dee72f2fcab15934c7e0450ae15afee161606b071a',
    ),
    leBytes('0x2923a9d452a047e0f24ab419d7893ecbf0c32a842afd88f991a6723decba82aa', '0x2e3a00f94191675c0730510133c2fca248160750d87b5157c534146d4d260b61'),
  );
  const err = (input: Buffer, msg: string) => t.true(String(bnCall('alt_bn128_g1_multiexp', input).aborted?.ExecutionError).includes(msg), msg);
  err(Buffer.from('XXXX'), 'slice of size 4 cannot be precisely split into chunks of size 96');
  err(leBytes('0x92', '0x2944829dcfa7dd72bb04d12e46869e6a6c8162698f9a6c35724f91f597e25fc4', '0x112b450c0769c7cd80ffa552aaab2153adb5646664ee091639784a7f887411f7'), 'invalid g1');
  err(
    leBytes('0x12b453155ca3be5d0b14a4804cc39a0b4635b06d512735350cd031051644d3ec', '0x2944829dcfa7dd72bb04d12e46869e6a6c8162698f9a6c35724f91f597e25fc4', '0x' + 'f'.repeat(64)),
    'invalid fr',
  );
});

test('alt_bn128_g1_sum vectors (nearcore logic/tests/alt_bn128.rs test_alt_bn128_g1_sum)', (t) => {
  const o = bnCall(
    'alt_bn128_g1_sum',
    leBytes(
      0, '0x12b453155ca3be5d0b14a4804cc39a0b4635b06d512735350cd031051644d3ec', '0x2944829dcfa7dd72bb04d12e46869e6a6c8162698f9a6c35724f91f597e25fc4',
      1, '0x032b2c8b9f1e7f5e53c262ae87ccd1366df1af019f2dbfe1a58a6749ba4b923f', '0x304cda5602a44a5cea16280a60720540748bf609164ae0464063a772111d7e6f',
    ),
  );
  t.deepEqual(
    Buffer.from(returned(o)),
    leBytes('0x1e2e53eecef3185d5c874e783cb184d302692a22c20f5f3b3993882e184d8fe8', '0x03fc2454d3d88f9eac441e9b85a9041e925f30cca7a82d039d1ffb582bfb2004'),
  );
  const err = (input: Buffer, msg: string) => t.true(String(bnCall('alt_bn128_g1_sum', input).aborted?.ExecutionError).includes(msg), msg);
  err(Buffer.of(92), 'slice of size 1 cannot be precisely split into chunks of size 65');
  err(leBytes(0, '0x111', '0x222'), 'invalid g1');
  err(leBytes(92, '0x12b453155ca3be5d0b14a4804cc39a0b4635b06d512735350cd031051644d3ec', '0x2944829dcfa7dd72bb04d12e46869e6a6c8162698f9a6c35724f91f597e25fc4'), 'invalid bool');
});

test('alt_bn128_pairing_check vectors (nearcore logic/tests/alt_bn128.rs test_alt_bn128_pairing_check)', (t) => {
  const g1a = ['0x0763111c06b5066cc812f8e058d5b82a7bc356c83a1a5ab743ea4e7163d90a75', '0x041068a8ed41f6755c1ad2d30aacc3974a4fae3293aee34c7103b4c073358624'];
  const g2a = [
    '0x291aea4fac742aaf8772caa00c8763d509c3d6f20d1be64d73c10d06db031a01', '0x1de7a958e4adb3a128cd3b942b13bc85ee4124f0dee6f4266b39707c81c06fd4',
    '0x1e2d816ba8b96e5cb444883a2b095533becb805c654418fa2c65bba533a34311', '0x195dd519dc841a301a14de412c520b858c01ccc7ba0bd4177dd85d4b116416bb',
  ];
  const g1b = ['0x1f1cebcff0a999ffa7c1b582e9afd6c875760fde2679e9fd830bf3979504b04f', '0x179fe95fb3fb3807ebbad5ed2b40ddd06f7b73525382a64a43489606b3454a53'];
  const g2b = [
    '0x201eef3c872a7313da79f6aa628cc9795314fbac78484fdae2eba5086755ad6d', '0x204e0376b942fe92ba6e2746d07d62f5dede7b8b6e172fa89ea0c5c4ccabaa31',
    '0x00e9f62300f921f5d4f2f7008aec59449a3f5e75add585ec4eccf04f5dc5b32f', '0x17c150f0fb2ff472816b41868b98b9170233ee4647fe4bc41a1336c9a2c6567c',
  ];
  const result = (input: Buffer) => [...returned(bnCall('alt_bn128_pairing_check', input))];
  t.deepEqual(result(leBytes()), [1]);
  t.deepEqual(result(leBytes(...g1a, ...g2a, ...g1b, ...g2b)), [1]);
  t.deepEqual(result(leBytes(...g1a, ...g2a, ...g1a, ...g2b)), [0]);
  t.true(String(bnCall('alt_bn128_pairing_check', Buffer.from('XXXX')).aborted?.ExecutionError).includes('slice of size 4 cannot be precisely split into chunks of size 192'));
  t.true(String(bnCall('alt_bn128_pairing_check', leBytes('0x0', '0x0', '0x0', '0x0', '0x0', '0x111')).aborted?.ExecutionError).includes('invalid g2'));
});

test('ed25519_verify vectors and costs (nearcore logic/tests/ed25519_verify.rs)', (t) => {
  const SIGNATURE = Uint8Array.from([
    145, 193, 203, 18, 114, 227, 14, 117, 33, 213, 121, 66, 130, 14, 25, 4, 36, 120, 46, 142, 226, 215, 7, 66, 122, 112, 97, 30, 249, 135, 61, 165,
    221, 249, 252, 23, 105, 40, 56, 70, 31, 152, 236, 141, 154, 122, 207, 20, 75, 118, 79, 90, 168, 6, 221, 122, 213, 29, 126, 196, 216, 104, 191, 6,
  ]);
  const PUBLIC_KEY = Uint8Array.from([
    32, 122, 6, 120, 146, 130, 30, 37, 215, 112, 241, 251, 160, 196, 124, 17, 255, 75, 129, 62, 84, 22, 46, 206, 158, 184, 57, 224, 118, 35, 26, 182,
  ]);
  const MESSAGE = Uint8Array.from([
    107, 97, 106, 100, 108, 102, 107, 106, 97, 108, 107, 102, 106, 97, 107, 108, 102, 106, 100, 107, 108, 97, 100, 106, 102, 107, 108, 106, 97, 100, 115, 107,
  ]);
  const forgedSig = Uint8Array.from(SIGNATURE);
  forgedSig[63] = 0b1110_0001;
  const forgedPk = Uint8Array.from(PUBLIC_KEY);
  forgedPk[31] = 0b1110_0001;
  const verify = (sig: Uint8Array, pk: Uint8Array, pkLen = 32) => {
    const o = call(
      program({
        imports: ['ed25519_verify', 'value_return'],
        data: [[0, sig], [64, MESSAGE], [96, pk]],
        body: `(i64.store (i32.const 200) (call $ed25519_verify ${u64(64)} ${u64(0)} ${u64(32)} ${u64(64)} ${u64(pkLen)} ${u64(96)})) (call $value_return ${u64(1)} ${u64(200)})`,
      }),
    );
    // value_return reads 1 byte of memory: subtract it from the read_memory counts.
    const reads = o.aborted ? o.profile.READ_MEMORY_BYTE! : o.profile.READ_MEMORY_BYTE! - c('read_memory_byte');
    return { result: o.aborted ?? [...returned(o)][0], readBytes: reads / c('read_memory_byte'), verifyBytes: (o.profile.ED25519_VERIFY_BYTE ?? 0n) / c('ed25519_verify_byte') };
  };
  t.deepEqual(verify(SIGNATURE, PUBLIC_KEY), { result: 1, readBytes: 128n, verifyBytes: 32n });
  t.deepEqual(verify(SIGNATURE, forgedPk), { result: 0, readBytes: 128n, verifyBytes: 32n });
  t.deepEqual(verify(new Uint8Array(64).fill(1), PUBLIC_KEY), { result: 0, readBytes: 128n, verifyBytes: 32n });
  t.deepEqual(verify(forgedSig, PUBLIC_KEY), { result: 0, readBytes: 64n, verifyBytes: 0n });
  t.deepEqual(verify(SIGNATURE, PUBLIC_KEY, 31), {
    result: { ExecutionError: 'ED25519 signature verification error: invalid public key length' },
    readBytes: 127n,
    verifyBytes: 32n,
  });
});
