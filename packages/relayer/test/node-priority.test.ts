import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { lowerPriority } from '../bench/node-priority.js';

/** A thread's nice value: field 19 of /proc/<pid>/task/<tid>/stat (proc(5)), counted after the command's closing bracket. */
const niceOf = (pid: number, tid: number) => Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);
const threadsOf = (pid: number) => readdirSync(`/proc/${pid}/task`).map(Number);

const linux = existsSync('/proc/self/task') ? test : test.skip;

linux('bench:relayer lowers every thread of the node, not only its main one, and leaves other processes alone', async (t) => {
  // A Node process has several threads (V8's platform workers, libuv's); setpriority(2) names one thread each.
  const node = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const bystander = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  t.teardown(() => {
    node.kill('SIGKILL');
    bystander.kill('SIGKILL');
  });
  await Promise.all([once(node, 'spawn'), once(bystander, 'spawn')]);
  await new Promise((resolve) => setTimeout(resolve, 300)); // its threads started
  const threads = threadsOf(node.pid!);
  t.true(threads.length > 1, `a Node process runs several threads (${threads.length})`);
  t.is(lowerPriority([node.pid!], 10), threads.length);
  t.deepEqual(threads.map((tid) => niceOf(node.pid!, tid)), threads.map(() => 10));
  t.deepEqual(new Set(threadsOf(bystander.pid!).map((tid) => niceOf(bystander.pid!, tid))), new Set([getPriority()]));
});

test('a nice value setpriority(2) would not take is refused with the range', (t) => {
  for (const nice of [-1, 20, 2.5]) t.throws(() => lowerPriority([process.pid], nice), { message: `lowerPriority: nice must be a whole number from 0 to 19, got ${nice}` });
});
