import test from "ava";
import { readFileSync } from "node:fs";
import { cloneDeepAlias, CLONE_DEEP_MODULE } from "../src/clone-deep-alias.js";
import { projectPaths } from "../src/paths.js";
import path from "node:path";

type Clone = <T>(value: T) => T;
type Collection = new (prefix: string) => object;
const { cloneDeep: aliasCloneDeep } = (await import(CLONE_DEEP_MODULE)) as { cloneDeep: Clone };
// loaded untyped: lodash-es ships no types, and near-sdk-js's collection types need its own TypeScript setup
const { cloneDeep: lodashCloneDeep } = (await import("lodash-es" as string)) as { cloneDeep: Clone };
const { LookupMap, UnorderedMap, UnorderedSet, Vector } = (await import("near-sdk-js" as string)) as Record<"LookupMap" | "UnorderedMap" | "UnorderedSet" | "Vector", Collection>;

/** What decodeObj2class (near-sdk-js lib/utils.js) hands cloneDeep: the contract object after a state read. */
class Profile {
  name = "";
  tags: string[] = [];
}
class Contract {
  owner = "owner.near";
  total = 10n ** 30n;
  paused = false;
  limits: Record<string, number> = { a: 1, b: 2 };
  history: Array<{ at: number; who: string[] }> = [{ at: 1, who: ["x", "y"] }];
  balances = new LookupMap("b");
  notes = new UnorderedMap("n");
  members = new UnorderedSet("m");
  queue = new Vector("q");
  created = new Date(1_700_000_000_000);
  bytes = new Uint8Array([1, 2, 3]);
  profile = Object.assign(new Profile(), { name: "p", tags: ["t"] });
  nothing: null = null;
  seen = new Map<string, number>([["k", 1]]);
  unique = new Set<string>(["u"]);
}

function shape(value: unknown, seen = new Set<unknown>()): unknown {
  if (typeof value === "function") return "function";
  if (typeof value !== "object" || value === null) return typeof value === "bigint" ? `${value}n` : value;
  const proto = Object.getPrototypeOf(value);
  const kind = proto?.constructor?.name ?? "null";
  if (value instanceof Date) return { kind, time: value.getTime() };
  if (value instanceof Map) return { kind, entries: [...value].map(([k, v]) => [shape(k), shape(v)]) };
  if (value instanceof Set) return { kind, values: [...value].map((v) => shape(v)) };
  if (ArrayBuffer.isView(value)) return { kind, bytes: [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)] };
  return { kind, own: Object.fromEntries(Object.keys(value).map((k) => [k, shape((value as Record<string, unknown>)[k])])) };
}

function stateObject(): Contract {
  const c = new Contract();
  // what decodeObj2class does for a collection with a value type: a function-valued own property
  (c.notes as unknown as { subtype: () => unknown }).subtype = () => Profile;
  return c;
}

test("klona/full copies near-sdk-js state objects exactly as lodash's cloneDeep does", (t) => {
  const original = stateObject();
  const fromLodash = lodashCloneDeep(original);
  const fromAlias = aliasCloneDeep(original);
  t.deepEqual(shape(fromAlias), shape(fromLodash));
  t.deepEqual(shape(fromAlias), shape(original));
  // collections keep their classes (methods work on the copy)
  t.true(fromAlias.notes instanceof UnorderedMap);
  t.true(fromAlias.balances instanceof LookupMap);
  t.is((fromAlias.notes as unknown as { subtype: () => unknown }).subtype, (original.notes as unknown as { subtype: () => unknown }).subtype, "functions are shared, as lodash does for nested functions");
});

test("the copy is deep: changing it leaves the original alone (both libraries)", (t) => {
  for (const clone of [lodashCloneDeep, aliasCloneDeep]) {
    const original = stateObject();
    const copy = clone(original);
    copy.history[0].who.push("z");
    copy.limits.a = 99;
    copy.bytes[0] = 42;
    copy.profile.tags.push("u");
    copy.seen.set("k", 2);
    t.deepEqual(original.history[0].who, ["x", "y"]);
    t.is(original.limits.a, 1);
    t.is(original.bytes[0], 1);
    t.deepEqual(original.profile.tags, ["t"]);
    t.is(original.seen.get("k"), 1);
    t.not(copy.created, original.created);
  }
});

test("the Rollup plugin rewrites exactly near-sdk-js's lodash import and nothing else", (t) => {
  const plugin = cloneDeepAlias();
  const utils = path.join(projectPaths().nearSdkDir, "lib", "utils.js");
  const loaded = plugin.load(utils)!;
  t.false(loaded.includes('from "lodash-es"'));
  t.true(loaded.includes(`import { cloneDeep } from ${JSON.stringify(CLONE_DEEP_MODULE)};`));
  t.is(loaded.split("\n").length, readFileSync(utils, "utf8").split("\n").length);
  t.is(plugin.load(path.join(projectPaths().nearSdkDir, "lib", "api.js")), null);
});
