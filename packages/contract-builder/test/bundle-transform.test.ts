import test from "ava";
import fc from "fast-check";
import { BABEL_APPLY_DECORATED_DESCRIPTOR, foldBigIntOperation, loadBabel, transformBundle } from "../src/bundle-transform.js";
import { projectPaths } from "../src/paths.js";

const babel = loadBabel(projectPaths().nearSdkDir);
const transform = (code: string, debugInfo = false) => transformBundle(babel, code, { debugInfo });

/** Run a transformed or original bundle body in Node (the `export` line replaced by a return). */
function run(code: string): any {
  const body = code.replace(/^"use strip";\n/, "").replace(/export \{ ([^}]*) \};?/, (_m, names) => `return { ${names} };`);
  return new Function(body)();
}

const OPERATORS = ["+", "-", "*", "/", "%", "**", "<<", ">>", "&", "|", "^"];

test("BigInt literal folding gives exactly what JavaScript computes, and folds every foldable expression", (t) => {
  fc.assert(
    fc.property(fc.bigInt(-(2n ** 200n), 2n ** 200n), fc.bigInt(-300n, 300n), fc.constantFrom(...OPERATORS), (a, b, op) => {
      const source = `const x = (${a}n) ${op} (${b}n);\nexport { x };`;
      let expected: bigint | string;
      try {
        expected = run(source).x;
      } catch (error) {
        expected = (error as Error).name;
      }
      const result = transform(source);
      let actual: bigint | string;
      try {
        actual = run(result.code).x;
      } catch (error) {
        actual = (error as Error).name;
      }
      if (actual !== expected) return false;
      // what is foldable (no throw, within size) must have been folded
      const folded = foldBigIntOperation(op, a, b);
      return folded === undefined ? result.foldedBigInts === 0 : result.foldedBigInts === 1 && !result.code.includes(` ${op} (`);
    }),
    { numRuns: 400 },
  );
  t.pass("400 random expressions agreed with Node");
});

test("BigInt folding: near-sdk-js's U64 constant, nested expressions, and what must stay", (t) => {
  const r = transform("const U64_MAX = 2n ** 64n - 1n;\nconst A = (1n << 128n) - 1n;\nconst B = 2n ** -1n;\nconst C = 1n / 0n;\nconst D = 2n ** 100000n;\nconst E = 3n >>> 1n;\nconst F = x ** 2n;\nexport { U64_MAX };");
  t.true(r.code.includes("const U64_MAX = 18446744073709551615n;"));
  t.true(r.code.includes("const A = 340282366920938463463374607431768211455n;"));
  for (const kept of ["2n ** -1n", "1n / 0n", "2n ** 100000n", "3n >>> 1n", "x ** 2n"]) t.true(r.code.includes(kept), kept);
  t.is(r.foldedBigInts, 2);
});

const DECORATED = `${BABEL_APPLY_DECORATED_DESCRIPTOR}
const log = [];
const noop = (name) => function (target, key, descriptor) { log.push(name + ":" + key + ":" + JSON.stringify(Object.keys(descriptor)) + descriptor.writable + descriptor.enumerable + descriptor.configurable); };
const wrap = (target, key, descriptor) => { const inner = descriptor.value; descriptor.value = function (...args) { return "wrapped:" + inner.apply(this, args); }; };
const replace = (target, key, descriptor) => ({ ...descriptor, enumerable: true, value: () => "replaced" });
const makeInit = (target, key, descriptor) => { const d = { ...descriptor, initializer: () => () => "from initializer" }; delete d.value; return d; };
const accessor = (target, key, descriptor) => ({ ...descriptor, get: () => "decorated getter" });
var _class;
let C = (_class = class C {
  a() { return "a"; }
  b() { return "b"; }
  c() { return "c"; }
  d() { return "d"; }
  get e() { return "e"; }
  static s() { return "s"; }
}, _applyDecoratedDescriptor(_class.prototype, "a", [noop("first"), noop("second")], Object.getOwnPropertyDescriptor(_class.prototype, "a"), _class.prototype), _applyDecoratedDescriptor(_class.prototype, "b", [wrap, noop("after-wrap")], Object.getOwnPropertyDescriptor(_class.prototype, "b"), _class.prototype), _applyDecoratedDescriptor(_class.prototype, "c", [replace], Object.getOwnPropertyDescriptor(_class.prototype, "c"), _class.prototype), _applyDecoratedDescriptor(_class.prototype, "d", [makeInit], Object.getOwnPropertyDescriptor(_class.prototype, "d"), _class.prototype), _applyDecoratedDescriptor(_class.prototype, "e", [accessor], Object.getOwnPropertyDescriptor(_class.prototype, "e"), _class.prototype), _applyDecoratedDescriptor(_class, "s", [wrap], Object.getOwnPropertyDescriptor(_class, "s"), _class), _class);
const field = _applyDecoratedDescriptor(C.prototype, "f", [noop("field")], { configurable: true, enumerable: true, writable: true, initializer: null });
const instance = new C();
const describe = (o) => Object.fromEntries(Object.entries(Object.getOwnPropertyDescriptors(o)).filter(([k]) => k !== "constructor").map(([k, d]) => [k, { ...d, value: typeof d.value === "function" ? d.value.call(instance) : d.value, get: d.get && d.get.call(instance), set: typeof d.set }]));
const result = { proto: describe(C.prototype), statics: C.s(), field: JSON.stringify(field), log };
export { result };`;

test("the method-decorator fast path leaves every property exactly as Babel's helper does", (t) => {
  const transformed = transform(DECORATED);
  t.is(transformed.fastDecoratedMethods, 6, "the six getOwnPropertyDescriptor call sites; the field keeps the helper");
  t.true(transformed.code.includes('_applyDecoratedDescriptor(C.prototype, "f"'));
  const before = run(DECORATED).result;
  const after = run(transformed.code).result;
  t.deepEqual(after, before);
  // and the cases did what they are meant to (so the comparison is not vacuous)
  t.is(before.proto.b.value, "wrapped:b");
  t.is(before.proto.c.value, "replaced");
  t.true(before.proto.c.enumerable);
  t.is(before.proto.e.get, "decorated getter");
  t.is(before.statics, "wrapped:s");
  t.deepEqual(before.log.slice(0, 2), ['second:a:["value","writable","enumerable","configurable"]truefalsetrue', 'first:a:["value","writable","enumerable","configurable"]truefalsetrue']);
});

test("a helper that is not Babel's known text is left alone", (t) => {
  const changed = DECORATED.replace("var a = {};", "var a = {}; ");
  const r = transform(changed);
  t.is(r.fastDecoratedMethods, 0);
  t.false(r.code.includes("_applyDecoratedMethod"));
});

test("eval detection: global eval and Function calls count; Function.prototype, instanceof, shadowed names and the global-object idiom do not", (t) => {
  const uses = (code: string) => transform(code).evalUses.map((u) => u.code);
  t.deepEqual(uses("const a = eval('1');"), ["eval('1')"]);
  t.deepEqual(uses("const f = new Function('x', 'return x');"), ["new Function('x', 'return x')"]);
  t.deepEqual(uses("const f = Function('return 1')();"), ["Function('return 1')"]);
  t.deepEqual(uses("const e = globalThis.eval;"), ["globalThis.eval"]);
  t.deepEqual(uses("const e = root['Function'];"), ["root['Function']"]);
  t.deepEqual(uses("const s = Function.prototype.toString; const b = x instanceof Function;"), []);
  t.deepEqual(uses("function f(eval2) { var Function = () => 1; return Function(); }"), []);
  const idiom = transform("var root = freeGlobal || Function('return this')();");
  t.deepEqual(idiom.evalUses, []);
  t.is(idiom.globalThisIdioms, 1);
  t.true(idiom.code.includes("var root = freeGlobal || globalThis;"));
});

test("intrinsic reachability: names, properties, strings and async code keep an intrinsic", (t) => {
  const reach = (code: string) => transform(code).reachableIntrinsics;
  t.deepEqual(reach("const x = 1;"), []);
  t.deepEqual(reach("const m = new Map();"), ["MapSet"]);
  t.deepEqual(reach("const w = root['WeakSet'];"), ["MapSet"]);
  t.deepEqual(reach("const s = 'é'.normalize('NFC');"), ["StringNormalize"]);
  t.deepEqual(reach("const { normalize } = String.prototype;"), ["StringNormalize"]);
  t.deepEqual(reach("const p = new Proxy({}, {});"), ["Proxy"]);
  t.deepEqual(reach("async function f() {}"), ["Promise"]);
  t.deepEqual(reach("const f = async () => 1;"), ["Promise"]);
  t.deepEqual(reach("const m = import('x');"), ["Promise"]);
  t.deepEqual(reach("const P = getNative(root, 'Promise');"), ["Promise"]);
});

test("debug info: stripped by a leading directive unless kept", (t) => {
  t.true(transform("const x = 1;").code.startsWith('"use strip";\n'));
  t.false(transform("const x = 1;", true).code.includes("use strip"));
});
