/**
 * `npx tsx packages/relayer/bench/cpu-profile.ts <file.cpuprofile> [delegates] [--top N]`: where a relayer
 * process's CPU went (a V8 profile, as bench:relayer writes with RELAYER_CPU_PROF), in ms per delegate:
 * self time by function, by package or source file, and inclusive time of the relayer's own functions.
 * Samples of the process's start (before the first `accept`) are left out, so the figures are the load's.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The package (node_modules/<name>), the relayer's own file, Node's internals, or V8's own states ((garbage collector), (idle)…). */
function placeOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return url.replace(/^node:internal\/(\w+).*/, 'node:$1');
  const own = /packages\/(.+)$/.exec(url);
  return own ? own[1] : url;
}

const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const top = topIndex >= 0 ? Number(args.splice(topIndex, 2)[1]) : 30;
const [file, delegatesText] = args;
if (!file) {
  process.stderr.write('usage: cpu-profile.ts <file.cpuprofile> [delegates] [--top N]\n');
  process.exit(2);
}
const delegates = Number(delegatesText ?? 2000);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

const self = new Map<string, number>();
const places = new Map<string, number>();
const inclusive = new Map<string, number>();
let started = false;
let busy = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i])!;
  const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
  const stack: ProfileNode[] = [];
  for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) stack.push(byId.get(id)!);
  if (!started) started = stack.some((frame) => frame.callFrame.functionName === 'accept' && frame.callFrame.url.includes('relayer/src/relayer.ts'));
  if (!started) continue;
  const { functionName, url } = node.callFrame;
  if (functionName !== '(idle)' && functionName !== '(program)') busy += ms;
  // By name and file: tsx's transform leaves line numbers that are not the source's.
  const name = `${functionName || '(anonymous)'} ${placeOf(url, functionName)}`;
  self.set(name, (self.get(name) ?? 0) + ms);
  const place = placeOf(url, functionName);
  places.set(place, (places.get(place) ?? 0) + ms);
  const seen = new Set<string>();
  for (const frame of stack) {
    if (!frame.callFrame.url.includes('relayer/src/')) continue;
    const key = `${frame.callFrame.functionName || '(anonymous)'} ${placeOf(frame.callFrame.url, '')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
  }
}

const perDelegate = (ms: number) => (ms / delegates).toFixed(3).padStart(7);
const print = (title: string, totals: Map<string, number>) => {
  console.log(`\n${title} (ms per delegate)`);
  for (const [name, ms] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perDelegate(ms)}  ${name}`);
};
console.log(`${file}: busy ${perDelegate(busy)} ms per delegate over ${delegates} delegates (samples from the first accept)`);
print('self time by package or file', places);
print('self time by function', self);
print("inclusive time of the relayer's functions", inclusive);
