/**
 * Start-up cost of a near-sdk-js contract: every call creates a QuickJS context, reads the whole
 * bytecode (JS_ReadObject, about 55 Ggas per KB) and runs the module's top level before the method.
 * This step rewrites the Rollup bundle before qjsc so that all three cost less, and reports what the
 * bundle can reach so the template can leave out what it cannot (eval, unused intrinsics).
 *
 * It works on the AST of near-sdk-js's own Babel (@babel/core resolved from near-sdk-js): nodes are
 * located by Babel, and each rewrite replaces exactly that node's text, leaving the rest of the
 * bundle byte for byte. Every rewrite is exact (same observable behaviour) except debug info, which
 * only changes panic stack lines (`at f (native)` instead of `at f (contract.js:123)`).
 */
import { createRequire } from "node:module";
import path from "node:path";

/** QuickJS intrinsics builder.c adds that a contract may not need (JS_AddIntrinsic<Name>). */
export type DroppableIntrinsic = "Proxy" | "StringNormalize" | "Promise" | "MapSet";

/**
 * What makes an intrinsic reachable. A global name, a property name or a string literal equal to one
 * of `names` counts (so `globalThis.Map`, `root['Map']` and `getNative(root, 'Map')` keep it);
 * Promise is also reached by async functions, await and dynamic import, which QuickJS builds on it.
 */
export const DROPPABLE_INTRINSICS: Record<DroppableIntrinsic, readonly string[]> = {
  Proxy: ["Proxy"],
  StringNormalize: ["normalize"],
  Promise: ["Promise"],
  MapSet: ["Map", "Set", "WeakMap", "WeakSet"],
};

export interface BundleTransformOptions {
  /** keep line numbers and function source in the bytecode (default false: `"use strip"`) */
  debugInfo: boolean;
}

/** A place in the bundle that needs QuickJS's compiler at run time (eval / Function constructor). */
export interface EvalUse {
  line: number;
  column: number;
  /** the bundle's source text there (shortened) */
  code: string;
}

export interface BundleTransformResult {
  code: string;
  /** BigInt literal expressions replaced by their value */
  foldedBigInts: number;
  /** decorated methods applied through the fast helper */
  fastDecoratedMethods: number;
  /** `Function('return this')()` replaced by `globalThis` */
  globalThisIdioms: number;
  evalUses: EvalUse[];
  /** the droppable intrinsics the bundle can reach (the others can be left out of the runtime) */
  reachableIntrinsics: DroppableIntrinsic[];
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** Babel's legacy-decorator helper as @babel/helpers 7.2x emits it into the bundle (checked verbatim). */
export const BABEL_APPLY_DECORATED_DESCRIPTOR = `function _applyDecoratedDescriptor(i, e, r, n, l) {
  var a = {};
  return Object.keys(n).forEach(function (i) {
    a[i] = n[i];
  }), a.enumerable = !!a.enumerable, a.configurable = !!a.configurable, ("value" in a || a.initializer) && (a.writable = !0), a = r.slice().reverse().reduce(function (r, n) {
    return n(i, e, r) || r;
  }, a), l && void 0 !== a.initializer && (a.value = a.initializer ? a.initializer.call(l) : void 0, a.initializer = void 0), void 0 === a.initializer ? (Object.defineProperty(i, e, a), null) : a;
}`;

/**
 * The same steps as the helper above for a call site whose descriptor is
 * `Object.getOwnPropertyDescriptor(target, key)`: such a descriptor is either undefined, an accessor
 * (both go to Babel's helper) or a data descriptor with exactly value, writable, enumerable and
 * configurable (booleans), which Babel's helper copies key by key, forces writable, and hands to the
 * decorators last to first. Without Object.keys/forEach/slice/reverse/reduce and two closures per
 * method it costs a fraction of the helper at every call's module start.
 */
function fastHelperSource(name: string, general: string): string {
  return `
function ${name}(i, e, r, n, l) {
  if (n === undefined || !("value" in n)) return ${general}(i, e, r, n, l);
  var a = { value: n.value, writable: true, enumerable: n.enumerable, configurable: n.configurable };
  for (var k = r.length - 1; k >= 0; k--) a = r[k](i, e, a) || a;
  if (l && a.initializer !== undefined) {
    a.value = a.initializer ? a.initializer.call(l) : undefined;
    a.initializer = undefined;
  }
  if (a.initializer === undefined) {
    Object.defineProperty(i, e, a);
    return null;
  }
  return a;
}
`;
}

/** Largest folded BigInt (bits): beyond it the literal would cost more bytecode than the expression. */
const MAX_FOLDED_BITS = 4096n;

function bitLength(value: bigint): bigint {
  return BigInt((value < 0n ? -value : value).toString(2).length);
}

/** BigInt arithmetic as the spec defines it (Node and QuickJS agree); undefined when it would throw or grow too large. */
export function foldBigIntOperation(operator: string, left: bigint, right: bigint): bigint | undefined {
  const shiftOk = (n: bigint) => (n < 0n ? -n : n) <= MAX_FOLDED_BITS;
  let value: bigint;
  switch (operator) {
    case "+": value = left + right; break;
    case "-": value = left - right; break;
    case "*": value = left * right; break;
    case "/": if (right === 0n) return undefined; value = left / right; break;
    case "%": if (right === 0n) return undefined; value = left % right; break;
    case "**":
      if (right < 0n) return undefined; // RangeError at run time: leave it to happen there
      if (left !== 0n && left !== 1n && left !== -1n && bitLength(left) * right > MAX_FOLDED_BITS) return undefined;
      value = left ** right;
      break;
    case "<<": if (!shiftOk(right)) return undefined; value = left << right; break;
    case ">>": if (!shiftOk(right)) return undefined; value = left >> right; break;
    case "&": value = left & right; break;
    case "|": value = left | right; break;
    case "^": value = left ^ right; break;
    default: return undefined; // >>> throws on BigInt; comparisons are not BigInt-valued
  }
  return bitLength(value) <= MAX_FOLDED_BITS ? value : undefined;
}

function bigIntLiteralText(value: bigint): string {
  return value < 0n ? `(-${(-value).toString()}n)` : `${value.toString()}n`;
}

type Babel = {
  parseSync: (code: string, options: Record<string, unknown>) => any;
  traverse: (ast: any, visitors: Record<string, unknown>) => void;
};

const babels = new Map<string, Babel>();

/** near-sdk-js's @babel/core (the one its Rollup step already uses). */
export function loadBabel(nearSdkDir: string): Babel {
  let babel = babels.get(nearSdkDir);
  if (!babel) {
    babel = createRequire(path.join(nearSdkDir, "package.json"))("@babel/core") as Babel;
    babels.set(nearSdkDir, babel);
  }
  return babel;
}

/** Rewrite a Rollup bundle (ES module text) for a cheaper start; see the file comment. */
export function transformBundle(babel: Babel, code: string, options: BundleTransformOptions): BundleTransformResult {
  const ast = babel.parseSync(code, { sourceType: "module", babelrc: false, configFile: false, parserOpts: { ranges: false } });
  const edits: Edit[] = [];
  const evalUses: EvalUse[] = [];
  const names = new Set<string>();
  let usesAsync = false;
  let foldedBigInts = 0;
  let fastDecoratedMethods = 0;
  let globalThisIdioms = 0;
  let helperBinding: any;
  let programPath: any;

  const text = (node: any): string => code.slice(node.start, node.end);
  const isGlobal = (p: any, name: string): boolean => !p.scope.hasBinding(name, true);
  const recordEval = (node: any) => {
    const snippet = text(node).replace(/\s+/g, " ");
    evalUses.push({ line: node.loc.start.line, column: node.loc.start.column + 1, code: snippet.length > 80 ? `${snippet.slice(0, 77)}...` : snippet });
  };

  /** value of a BigInt literal expression, or undefined if it is not one */
  const bigIntValue = (node: any): bigint | undefined => {
    if (!node) return undefined;
    if (node.type === "BigIntLiteral") return BigInt(String(node.value).replace(/_/g, ""));
    if (node.type === "UnaryExpression" && node.operator === "-") {
      const v = bigIntValue(node.argument);
      return v === undefined ? undefined : -v;
    }
    if (node.type === "BinaryExpression") {
      const left = bigIntValue(node.left);
      const right = left === undefined ? undefined : bigIntValue(node.right);
      return left === undefined || right === undefined ? undefined : foldBigIntOperation(node.operator, left, right);
    }
    return undefined;
  };

  babel.traverse(ast, {
    Program(p: any) {
      programPath = p;
      const helper = p.scope.getBinding("_applyDecoratedDescriptor");
      if (helper && helper.path.isFunctionDeclaration() && helper.path.parentPath === p && text(helper.path.node) === BABEL_APPLY_DECORATED_DESCRIPTOR && helper.constantViolations.length === 0) {
        helperBinding = helper;
      }
    },
    BinaryExpression(p: any) {
      const value = bigIntValue(p.node);
      if (value === undefined) return;
      edits.push({ start: p.node.start, end: p.node.end, text: bigIntLiteralText(value) });
      foldedBigInts++;
      p.skip();
    },
    CallExpression(p: any) {
      const { node } = p;
      // lodash-es's `Function('return this')()`: a sloppy-mode function's `this` is the global object
      if (
        node.arguments.length === 0 && node.callee.type === "CallExpression" && node.callee.callee.type === "Identifier" &&
        node.callee.callee.name === "Function" && isGlobal(p, "Function") && node.callee.arguments.length === 1 &&
        node.callee.arguments[0].type === "StringLiteral" && node.callee.arguments[0].value === "return this"
      ) {
        edits.push({ start: node.start, end: node.end, text: "globalThis" });
        globalThisIdioms++;
        p.skip();
        return;
      }
      if (node.callee.type === "Import") usesAsync = true;
      if (helperBinding && node.callee.type === "Identifier" && node.callee.name === "_applyDecoratedDescriptor" && p.scope.getBinding("_applyDecoratedDescriptor") === helperBinding) {
        const [, , , descriptor] = node.arguments;
        if (
          node.arguments.length >= 4 && descriptor.type === "CallExpression" && descriptor.callee.type === "MemberExpression" &&
          !descriptor.callee.computed && descriptor.callee.object.type === "Identifier" && descriptor.callee.object.name === "Object" &&
          isGlobal(p, "Object") && descriptor.callee.property.name === "getOwnPropertyDescriptor"
        ) {
          edits.push({ start: node.callee.start, end: node.callee.end, text: "_applyDecoratedMethod" });
          fastDecoratedMethods++;
        }
      }
    },
    Function(p: any) {
      if (p.node.async) usesAsync = true;
    },
    AwaitExpression() {
      usesAsync = true;
    },
    ForOfStatement(p: any) {
      if (p.node.await) usesAsync = true;
    },
    StringLiteral(p: any) {
      names.add(p.node.value);
    },
    TemplateElement(p: any) {
      if (p.node.value.cooked) names.add(p.node.value.cooked);
    },
    Identifier(p: any) {
      // every name, bindings and keys included (`const { normalize } = ...`): a local named like a
      // global only keeps an intrinsic that could have gone
      names.add(p.node.name);
    },
    MemberExpression(p: any) {
      const { property, computed } = p.node;
      const name = !computed && property.type === "Identifier" ? property.name : computed && property.type === "StringLiteral" ? property.value : undefined;
      // globalThis.eval, root["Function"], ...
      if (name === "eval" || name === "Function") recordEval(p.node);
    },
    ReferencedIdentifier(p: any) {
      const { name } = p.node;
      if (!isGlobal(p, name)) return;
      if (name === "eval") recordEval(p.parent.type === "CallExpression" ? p.parent : p.node);
      if (name === "Function") {
        const parent = p.parentPath;
        // Function.prototype.x and `instanceof Function` need no compiler; a call, `new` or passing it on may
        const harmless = (parent.isMemberExpression() && parent.node.object === p.node) || (parent.isBinaryExpression({ operator: "instanceof" }) && parent.node.right === p.node);
        if (!harmless) recordEval(parent.isCallExpression() || parent.isNewExpression() ? parent.node : p.node);
      }
    },
  });

  let output = applyEdits(code, edits);
  if (fastDecoratedMethods > 0) {
    if (programPath.scope.hasBinding("_applyDecoratedMethod", true)) {
      throw new Error("the bundle already defines _applyDecoratedMethod: cannot add the decorator fast path");
    }
    output += fastHelperSource("_applyDecoratedMethod", "_applyDecoratedDescriptor");
  }
  // "use strip" (QuickJS directive, JS_MODE_STRIP): no line tables, no function source text in the
  // bytecode. Function.prototype.toString of contract functions then gives "function f() { [native code] }"
  // and stack lines read "at f (native)".
  if (!options.debugInfo) output = `"use strip";\n${output}`;

  const reachableIntrinsics = (Object.keys(DROPPABLE_INTRINSICS) as DroppableIntrinsic[]).filter(
    (intrinsic) => DROPPABLE_INTRINSICS[intrinsic].some((n) => names.has(n)) || (intrinsic === "Promise" && usesAsync),
  );
  return { code: output, foldedBigInts, fastDecoratedMethods, globalThisIdioms, evalUses, reachableIntrinsics };
}

function applyEdits(code: string, edits: Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const edit of sorted) {
    if (edit.start < at) throw new Error(`overlapping bundle edits at ${edit.start}`);
    out += code.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + code.slice(at);
}
