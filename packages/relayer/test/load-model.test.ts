import test from 'ava';
import fc from 'fast-check';
import { arrivalsPerSecond, numberOption, percentile, rampStarts } from '../bench/load-model.js';

test('sender i of a ramp starts at i × ramp / senders', (t) => {
  t.deepEqual(rampStarts(4, 2000), [0, 500, 1000, 1500]);
  t.deepEqual(rampStarts(3, 0), [0, 0, 0]);
  t.deepEqual(rampStarts(0, 2000), []);
  t.is(arrivalsPerSecond(200, 2000), 100);
  t.is(arrivalsPerSecond(200, 0), Infinity);
});

test('a ramp starts every sender once, in order, evenly spaced, all before the ramp ends', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 60_000 }), (senders, rampMs) => {
      const starts = rampStarts(senders, rampMs);
      t.is(starts.length, senders);
      t.is(starts[0], 0);
      t.true(starts.every((start) => start < rampMs || rampMs === 0), 'every sender starts before the ramp ends');
      t.true(
        starts.every((start, i) => i === 0 || Math.abs(start - starts[i - 1] - rampMs / senders) < 1e-9),
        'one sender every ramp / senders ms',
      );
    }),
  );
});

test('a ramp refuses a negative, fractional or non-finite count or length', (t) => {
  t.throws(() => rampStarts(-1, 10), { message: /senders must be a whole number ≥ 0, got -1/ });
  t.throws(() => rampStarts(1.5, 10), { message: /senders must be a whole number/ });
  t.throws(() => rampStarts(10, -5), { message: /ramp must be a finite number of ms ≥ 0, got -5/ });
  t.throws(() => rampStarts(10, Number.NaN), { message: /ramp must be a finite number/ });
});

test('percentile is the nearest rank: 20 of 2,000 samples lie above their p99', (t) => {
  const samples = Array.from({ length: 2000 }, (_, i) => i + 1);
  t.is(percentile(samples, 99), 1980);
  t.is(percentile(samples, 50), 1000);
  t.is(percentile([7], 99), 7);
  t.true(Number.isNaN(percentile([], 50)));
});

test('a numeric option is read after its flag, and a bad one is named with what to write', (t) => {
  t.is(numberOption(['--json'], 'ramp-ms', 2000), 2000);
  t.is(numberOption(['--ramp-ms', '500'], 'ramp-ms', 2000), 500);
  t.is(numberOption(['--ramp-ms', '0'], 'ramp-ms', 2000), 0);
  t.is(numberOption(['--ramp-ms', '2.5'], 'ramp-ms', 2000, { integer: false }), 2.5);
  t.throws(() => numberOption(['--ramp-ms'], 'ramp-ms', 2000), { message: '--ramp-ms needs a whole number ≥ 0 after it (e.g. --ramp-ms 2000), got nothing' });
  t.throws(() => numberOption(['--ramp-ms', 'soon'], 'ramp-ms', 2000), { message: /--ramp-ms needs a whole number ≥ 0 .*got "soon"/ });
  t.throws(() => numberOption(['--senders', '0'], 'senders', 200, { min: 1 }), { message: /--senders needs a whole number ≥ 1/ });
  t.throws(() => numberOption(['--delegates', '1.5'], 'delegates', 2000, { min: 1 }), { message: /got "1.5"/ });
});
