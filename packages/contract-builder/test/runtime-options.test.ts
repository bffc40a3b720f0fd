import test from "ava";
import { chooseTemplateOptions, templateKey, templatePatches, type RuntimeOptions } from "../src/backend.js";
import { ContractBuildError } from "../src/errors.js";

const runtime = (over: Partial<RuntimeOptions> = {}): RuntimeOptions => ({ wasmOpt: true, allowEval: "auto", trimRuntime: true, debugInfo: false, ...over });
const noEval = { evalUses: [], reachableIntrinsics: [] as never[] };
const withEval = { evalUses: [{ line: 12, column: 5, code: "eval(x)" }], reachableIntrinsics: ["MapSet" as const] };

test("auto: eval only for a bundle that uses it; unreachable intrinsics left out", (t) => {
  t.deepEqual(chooseTemplateOptions("c", noEval, runtime()), { wasmOpt: true, allowEval: false, dropIntrinsics: ["MapSet", "Promise", "Proxy", "StringNormalize"] });
  const logged: string[] = [];
  t.deepEqual(chooseTemplateOptions("c", withEval, runtime(), (l) => logged.push(l)), { wasmOpt: true, allowEval: true, dropIntrinsics: ["Promise", "Proxy", "StringNormalize"] });
  t.regex(logged.join("\n"), /keeping eval .* contract\.js:12:5 eval\(x\)/);
});

test("--eval keeps it, --no-eval refuses a bundle that uses it, --full-runtime keeps every intrinsic", (t) => {
  t.true(chooseTemplateOptions("c", noEval, runtime({ allowEval: true })).allowEval);
  t.false(chooseTemplateOptions("c", noEval, runtime({ allowEval: false })).allowEval);
  const error = t.throws(() => chooseTemplateOptions("contracts/x/src/index.ts", withEval, runtime({ allowEval: false })));
  t.true(error instanceof ContractBuildError);
  t.regex(error!.message, /contracts\/x\/src\/index\.ts: .*contract\.js:12:5 eval\(x\)/);
  t.deepEqual(chooseTemplateOptions("c", noEval, runtime({ trimRuntime: false })).dropIntrinsics, []);
});

test("the template key changes with every template option and not with the order of dropped intrinsics", (t) => {
  const base = { wasmOpt: true, allowEval: false, dropIntrinsics: ["Proxy", "Promise"] as ("Proxy" | "Promise")[] };
  const key = (o: typeof base) => templateKey("engine", "builder.c", o);
  const keys = [key(base), key({ ...base, wasmOpt: false }), key({ ...base, allowEval: true }), key({ ...base, dropIntrinsics: ["Proxy"] }), templateKey("engine2", "builder.c", base), templateKey("engine", "builder.c changed", base)];
  t.is(new Set(keys).size, keys.length);
  t.is(key({ ...base, dropIntrinsics: ["Promise", "Proxy"] }), key(base));
});

test("each left-out intrinsic is one exact-match patch of builder.c", (t) => {
  const patches = templatePatches({ wasmOpt: true, allowEval: false, dropIntrinsics: ["StringNormalize", "Proxy"] });
  const dropped = patches.filter((p) => p.find.startsWith("  JS_AddIntrinsic")).map((p) => p.find.trim());
  t.deepEqual(dropped, ["JS_AddIntrinsicEval(ctx);", "JS_AddIntrinsicProxy(ctx);", "JS_AddIntrinsicStringNormalize(ctx);"]);
  t.true(patches.every((p) => p.occurrences === 1));
});
