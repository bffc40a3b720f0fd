/**
 * A value parsed from the node's answer is written on as the text it came in (src/received-json.ts):
 * the JSON is the same as JSON.stringify's, and a value with no kept text is serialized as before.
 */
import test from 'ava';
import fc from 'fast-check';
import { keepReceivedJson, parseKeepingLast, stringifyWithReceived } from '../src/received-json.js';

test('a record whose last member was received as JSON is written as JSON.stringify writes it', (t) => {
  fc.assert(
    fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), fc.object(), (others, lastKey, last) => {
      const record: Record<string, unknown> = { ...others };
      delete record[lastKey];
      record[lastKey] = last;
      const text = JSON.stringify(last);
      const received = JSON.parse(text) as object;
      keepReceivedJson(received, text);
      const withReceived = { ...record, [lastKey]: received };
      t.deepEqual(JSON.parse(stringifyWithReceived(withReceived)), JSON.parse(JSON.stringify(withReceived)));
      t.is(stringifyWithReceived(withReceived), JSON.stringify(withReceived));
    }),
  );
});

test('the kept text is what is written: a value with no kept text is serialized', (t) => {
  const outcome = { status: { SuccessValue: '' } };
  t.is(stringifyWithReceived({ state: 'final', outcome }), '{"state":"final","outcome":{"status":{"SuccessValue":""}}}');
  keepReceivedJson(outcome, '{"status":{"SuccessValue":""},"kept":true}');
  t.is(stringifyWithReceived({ state: 'final', outcome }), '{"state":"final","outcome":{"status":{"SuccessValue":""},"kept":true}}');
  t.is(stringifyWithReceived({ outcome }), '{"outcome":{"status":{"SuccessValue":""},"kept":true}}');
  // Only the last member's text is used.
  t.is(stringifyWithReceived({ outcome, state: 'final' }), '{"outcome":{"status":{"SuccessValue":""}},"state":"final"}');
});

test('a record read back keeps its last member with its text, and is written on unchanged', (t) => {
  const text = '{"transactionHash":"abc","state":"final","status":{"SuccessValue":""},"outcome":{"receipts_outcome":[{"outcome":{"logs":["a,\\"outcome\\":b"]}}]}}';
  const record = parseKeepingLast(text) as Record<string, unknown>;
  t.deepEqual(record, JSON.parse(text));
  (record.outcome as { extra?: number }).extra = 1; // changed after reading: the kept text is what is written
  t.is(stringifyWithReceived(record), text);
  // Written another way (spaces): nothing is kept, and it is serialized.
  const spaced = parseKeepingLast('{"state": "final", "outcome": {"a": 1}}') as Record<string, unknown>;
  t.is(stringifyWithReceived(spaced), '{"state":"final","outcome":{"a":1}}');
});
