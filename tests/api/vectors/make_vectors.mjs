// Regenerates known_answers.txt: TL objects serialized by independent
// implementations from npm, with the text form our printer must give them.
//
//   mkdir /tmp/kat && cd /tmp/kat && cp <repo>/tests/api/vectors/package.json . && npm install
//   node <repo>/tests/api/vectors/make_vectors.mjs <repo>/schema/telegram_api.tl \
//        > <repo>/tests/api/vectors/known_answers.txt
//
// Values come from a seeded generator walking the schema; bytes come from
// gramjs (npm `telegram`), whose TL classes are built here from our own
// telegram_api.tl (layer 228) by handing its loader our schema text. The
// C++ test decodes each record, compares the printed form with the one this
// script renders from the same values, and re-encodes to the same bytes.
//
// Values avoid known pitfalls of JS implementations: longs stay within
// +-2^53 (mtcute writes some larger negative JS numbers wrongly), and
// optional vectors that are present are never empty (mtcute drops the flag
// bit of an empty optional vector).
import { createRequire } from "module";
import fs from "fs";
import path from "path";

const require = createRequire(path.join(process.cwd(), "x.js"));
const schemaPath = process.argv[2];
const schemaText = fs.readFileSync(schemaPath, "utf8");

// --- our own parse of the schema (names, ids, fields) ---------------------
const ctors = new Map(), fns = new Map(), types = new Map();
{
  let functions = false;
  for (const raw of schemaText.split("\n")) {
    const line = raw.replace(/\/\/.*/, "").trim();
    if (!line) continue;
    if (line === "---functions---") { functions = true; continue; }
    if (line === "---types---") { functions = false; continue; }
    const m = line.match(/^([\w.]+)#([0-9a-f]+)\s*(.*?)\s*=\s*([^;]+);$/);
    if (!m || m[1] === "vector" || m[1] === "boolTrue" || m[1] === "boolFalse") continue;
    const [, name, id, rest, result] = m;
    const generics = [];
    const fields = [];
    for (const tok of rest.split(/\s+/).filter(Boolean)) {
      const g = tok.match(/^\{(\w+):Type\}$/);
      if (g) { generics.push(g[1]); continue; }
      const f = tok.match(/^(\w+):(.*)$/);
      let type = f[2], cond = null;
      const c = type.match(/^(\w+)\.(\d+)\?(.*)$/);
      if (c) { cond = { field: c[1], bit: +c[2] }; type = c[3]; }
      fields.push({ name: f[1], type, cond });
    }
    const comb = { name, id: parseInt(id, 16), fields, result, generics, functions };
    if (functions) {
      if (!name.endsWith("Prefix")) fns.set(name, comb);
    } else {
      ctors.set(name, comb);
      if (!types.has(result)) types.set(result, []);
      types.get(result).push(comb);
    }
  }
}

// --- gramjs classes from our schema -----------------------------------------
function gramjsApi() {
  // gramjs builds its classes from the text its apiTl.js module exports:
  // give it ours (TDLib's leading block of built-ins and internal functions
  // dropped, as gramjs does not know them).
  let text = schemaText;
  const firstTypes = text.indexOf("---types---");
  const head = text.slice(0, text.indexOf("---functions---"));
  text = head.split("\n").filter((l) => /#[0-9a-f]+/.test(l) && !l.startsWith("vector#")).join("\n")
    + "\n" + text.slice(firstTypes + "---types---".length);
  const key = require.resolve("telegram/tl/apiTl.js");
  require.cache[key] = { id: key, filename: key, loaded: true, exports: text };
  return require("telegram/tl/api.js").Api;
}
const Api = gramjsApi();
const bigInt = require("big-integer");
const camel = (s) => s.replace(/([-_][a-z])/g, (g) => g.toUpperCase().replace("-", "").replace("_", ""));
const className = (s) => s.replace(/(?:^|_)([a-z])/g, (_, g) => g.toUpperCase()).replace(/_/g, "");
function gramClass(name) {
  const dot = name.lastIndexOf(".");
  if (dot < 0) return Api[className(name)];
  return Api[name.slice(0, dot)][className(name.slice(dot + 1))];
}

// --- mtcute (layer 223) for combinators whose id is the same in both ---------
const mtcuteSchema = require("@mtcute/tl/api-schema.json");
const mtcuteMap = require("@mtcute/tl/binary/writer.js").__tlWriterMap;
const { TlBinaryWriter } = require("@mtcute/tl-runtime");
const Long = require(require.resolve("long", { paths: [path.dirname(require.resolve("@mtcute/tl-runtime"))] }));
// A combinator's fields with their flag bits: `true` flags do not enter the
// id's CRC, so the id alone does not show a new true flag.
const sigOurs = (c) => c.fields.map((f) => camel(f.name) + ":" + (f.cond ? f.cond.field + "." + f.cond.bit : "")).join(" ");
const sigMtcute = (e) => e.arguments.map((a) => camel(a.name) + ":" + ((a.typeModifiers && a.typeModifiers.predicate) || "")).join(" ");
const mtcuteSame = new Map(mtcuteSchema.e.map((e) => [e.name, { id: e.id, sig: sigMtcute(e) }]));
// Bytes from mtcute when every combinator in the object has the same name, id
// and fields (with flag bits) in layer 223.
function sameInMtcute(m) {
  if (Array.isArray(m)) return m.every(sameInMtcute);
  if (m && typeof m === "object" && m._ !== undefined) {
    const ours = ctors.get(m._) || fns.get(m._);
    const theirs = mtcuteSame.get(m._);
    if (!ours || !theirs || theirs.id !== ours.id || theirs.sig !== sigOurs(ours)) return false;
    return Object.entries(m).every(([k, v]) => k === "_" || sameInMtcute(v));
  }
  return true;
}
function mtcuteBytes(m) {
  if (!sameInMtcute(m)) return null;
  return Buffer.from(TlBinaryWriter.serializeObject(mtcuteMap, m));
}

// --- seeded values -----------------------------------------------------------
let seed = 12345;
const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };

// A value is {v: for gramjs, t: for the text form}.
function makeValue(type, mode, depth, budget) {
  const vec = type.match(/^([Vv])ector<(.*)>$/);
  if (vec) {
    const n = mode === "none" || depth > 3 ? 0 : 2;
    const items = [];
    for (let i = 0; i < n; ++i) items.push(makeValue(vec[2], mode, depth, budget));
    return { v: items.map((x) => x.v), t: { vector: items.map((x) => x.t) }, m: items.map((x) => x.m) };
  }
  switch (type) {
    case "int": { const x = rnd(2000000000) - 1000000000; return { v: x, t: String(x), m: x }; }
    case "long": {
      // within +-2^53: mtcute (JS numbers) is exact there
      const x = BigInt(rnd(2 ** 30)) * BigInt(rnd(2 ** 22)) * (rnd(2) ? 1n : -1n);
      return { v: bigInt(x.toString()), t: x.toString(), m: Long.fromString(x.toString()) };
    }
    case "double": { const x = rnd(100000) / 4; return { v: x, t: String(x), m: x }; }
    case "string": {
      const pool = ["hello", "h\u00e9llo \u2713 \u043f\u0440\u0438\u0432\u0435\u0442", "quote \" and \\ back",
                    "line\nbreak", "", "x".repeat(300), "\u{1F600} emoji"];
      const s = pool[rnd(pool.length)];
      return { v: s, t: { string: s }, m: s };
    }
    case "bytes": {
      const n = [0, 3, 16, 40, 300][rnd(5)];
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; ++i) b[i] = rnd(256);
      return { v: b, t: { bytes: b }, m: new Uint8Array(b) };
    }
    case "int128": case "int256": {
      const n = type === "int128" ? 16 : 32;
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; ++i) b[i] = rnd(256);
      // gramjs takes a signed little-endian big integer
      let x = 0n;
      for (let i = n - 1; i >= 0; --i) x = (x << 8n) | BigInt(b[i]);
      if (b[n - 1] & 0x80) x -= 1n << BigInt(8 * n);
      return { v: bigInt(x.toString()), t: { bytes: b }, m: new Uint8Array(b) };
    }
    case "Bool": { const x = rnd(2) === 1; return { v: x, t: String(x), m: x }; }
  }
  if (type.startsWith("%")) type = type.slice(1);
  const choices = types.get(type);
  if (!choices) throw new Error("no type " + type);
  let c;
  if (depth > 3 || budget.n > 40) c = smallest(type);
  else c = choices[rnd(choices.length)];
  return makeObject(c, mode, depth + 1, budget);
}

// The constructor of a type with the fewest required nested objects.
const heightCache = new Map();
function height(type, seen = new Set()) {
  if (heightCache.has(type)) return heightCache.get(type);
  if (!types.has(type) || seen.has(type)) return type in { int: 1, long: 1 } ? 0 : (types.has(type) ? 99 : 0);
  seen.add(type);
  let best = 99;
  for (const c of types.get(type)) {
    let h = 1;
    for (const f of c.fields)
      if (!f.cond && types.has(f.type)) h = Math.max(h, 1 + height(f.type, seen));
    best = Math.min(best, h);
  }
  seen.delete(type);
  heightCache.set(type, best);
  return best;
}
function smallest(type) {
  let best = null, bh = 1e9;
  for (const c of types.get(type)) {
    let h = 1;
    for (const f of c.fields) if (!f.cond && types.has(f.type)) h = Math.max(h, 1 + height(f.type));
    if (h < bh) { bh = h; best = c; }
  }
  return best;
}

function flagOn(mode, bit) { return mode === "all" || (mode === "alternate" && bit % 2 === 0); }

function makeObject(c, mode, depth, budget, query) {
  budget.n++;
  if (depth > 3 || budget.n > 40) mode = "none";
  const args = {}, shown = [], margs = { _: c.name };
  for (const f of c.fields) {
    if (f.type === "#") continue;
    if (f.cond && !flagOn(mode, f.cond.bit)) continue;
    let val;
    if (f.type === "true") val = { v: true, t: "true", m: true };
    else if (f.type.startsWith("!")) val = query;
    else if (f.cond && /^Vector</.test(f.type) && mode !== "none") {
      val = makeValue(f.type, "all", depth, budget);  // present optional vectors: never empty
    } else val = makeValue(f.type, mode, depth, budget);
    args[camel(f.name)] = val.v;
    margs[camel(f.name)] = val.m;
    shown.push([f.name, val.t]);
  }
  const cls = gramClass(c.name);
  if (!cls) throw new Error("gramjs has no class for " + c.name);
  return { v: new cls(args), t: { object: c.name, fields: shown }, m: margs };
}

// --- the text form (as mtsender::api::printer writes it) --------------------
function render(t) {
  let out = "", indent = 0;
  const nl = () => { out += "\n" + "  ".repeat(indent); };
  const put = (t) => {
    if (typeof t === "string") { out += t; return; }
    if (t.string !== undefined) {
      out += '"';
      for (const ch of Buffer.from(t.string, "utf8")) {
        if (ch === 0x22 || ch === 0x5c) out += "\\" + String.fromCharCode(ch);
        else if (ch === 0x0a) out += "\\n";
        else if (ch < 0x20 || ch === 0x7f) out += "\\x" + ch.toString(16).padStart(2, "0");
        else out += "\0" + String.fromCharCode(ch);  // raw byte, decoded below
      }
      out += '"';
      return;
    }
    if (t.bytes) {
      const b = t.bytes;
      out += "0x" + b.subarray(0, 32).toString("hex");
      if (b.length > 32) out += "... (" + b.length + " bytes)";
      else if (b.length === 0) out += " (0 bytes)";
      return;
    }
    if (t.vector) {
      const n = t.vector.length;
      out += "vector[" + n + "] [";
      ++indent;
      t.vector.slice(0, 10).forEach((x) => { nl(); put(x); });
      if (n > 10) { nl(); out += "... " + (n - 10) + " more"; }
      --indent;
      if (n) nl();
      out += "]";
      return;
    }
    out += t.object + " {";
    ++indent;
    for (const [name, v] of t.fields) { nl(); out += name + ": "; put(v); }
    --indent;
    nl();
    out += "}";
  };
  put(t);
  // Strings were written byte by byte: turn the marked bytes back into UTF-8.
  const bytes = [];
  for (let i = 0; i < out.length; ++i) {
    if (out[i] === "\0") { bytes.push(out.charCodeAt(++i)); continue; }
    for (const b of Buffer.from(out[i], "utf8")) bytes.push(b);
  }
  return Buffer.from(bytes).toString("utf8");
}

// --- which objects -----------------------------------------------------------
const records = [];
function record(c, mode, source, query) {
  const budget = { n: 0 };
  const obj = makeObject(c, mode, 0, budget, query);
  const gram = Buffer.from(obj.v.getBytes());
  let bytes = gram;
  const mt = mtcuteBytes(obj.m);
  if (mt) {
    // Both implementations wrote it: they must agree.
    if (!mt.equals(gram)) {
      let i = 0;
      while (mt[i] === gram[i]) ++i;
      throw new Error(`${c.name}: mtcute and gramjs disagree at byte ${i}: ${mt.subarray(i, i + 16).toString("hex")} vs ${gram.subarray(i, i + 16).toString("hex")} (${mt.length} vs ${gram.length} bytes)\n` + render(obj.t).slice(0, 3000));
    }
    bytes = mt;
    source = "mtcute+gramjs";
  }
  records.push({ name: c.name, source, mode, bytes, text: render(obj.t) });
  return obj;
}
const must = ["message", "user", "userFull", "channelFull", "messages.messages", "config",
              "pageBlockTable", "textConcat", "phoneCall", "updateShortMessage", "updates",
              "inputMediaUploadedDocument", "peerUser", "dcOption", "messageService"];
for (const n of must)
  for (const mode of ["all", "none", "alternate"]) record(ctors.get(n), mode, "gramjs");
for (const n of ["messages.sendMessage", "messages.getHistory", "phone.joinGroupCall",
                 "phone.createConferenceCall", "help.getConfig", "upload.saveFilePart",
                 "messages.sendMedia", "account.updateProfile"])
  for (const mode of ["all", "none", "alternate"]) record(fns.get(n), mode, "gramjs");
// The invokeWith* wrappers around a query, and nested in each other.
{
  const q = () => { const b = { n: 0 }; return makeObject(fns.get("help.getConfig"), "none", 1, b); };
  const inner = () => { const b = { n: 0 }; return makeObject(fns.get("messages.getHistory"), "all", 1, b); };
  for (const [, c] of fns)
    if (c.generics.length) {
      record(c, "all", "gramjs", q());
      record(c, "none", "gramjs", inner());
    }
  const init = makeObject(fns.get("initConnection"), "all", 1, { n: 0 }, q());
  record(fns.get("invokeWithLayer"), "none", "gramjs", init);
}
// A seeded sample of everything else, constructors and functions.
const all = [...ctors.values(), ...fns.values()].filter(
  (c) => !c.generics.length && gramClass(c.name) && !["true", "error"].includes(c.name));
while (records.length < 320) {
  const c = all[rnd(all.length)];
  record(c, ["all", "none", "alternate"][rnd(3)], "gramjs");
}

process.stdout.write("# Known-answer TL objects: bytes from mtcute (@mtcute/tl " +
  require("@mtcute/tl/package.json").version + ", layer 223) where every combinator in the object has the same id\n" +
  "# in both layers (gramjs then writes the same bytes, checked), else from gramjs (npm telegram " +
  require("telegram/package.json").version + ") with classes built from schema/telegram_api.tl,\n" +
  "# text as mtsender::api::printer must print the decoded object. Made by make_vectors.mjs.\n");
for (const r of records) {
  process.stdout.write(`=== ${r.name} ${r.source} ${r.mode}\nbytes: ${r.bytes.toString("hex")}\ntext:\n${r.text}\n=== end\n`);
}
