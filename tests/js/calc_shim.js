// Runs docs/assets/js/calculator.js in Node with the least DOM it touches, for tests/test_calc_parity.py:
// reads a JSON list of form values on stdin, prints a JSON list of what the page would show for each
// ({error} or {owed, items: [li texts], href}). The same script file the portal serves, unchanged.
const fs = require("fs");
const path = require("path");
const inputs = JSON.parse(fs.readFileSync(0, "utf8"));
const attrs = JSON.parse(process.argv[2]);
let vals = {};
let handler = null;
function node(tag) {
  return { tag, children: [], className: "", _text: "",
    set textContent(v) { this._text = v; this.children = []; }, get textContent() { return this._text; },
    appendChild(c) { this.children.push(c); return c; } };
}
const out = node("section");
const form = {
  getAttribute(n) { return attrs[n]; },
  elements: new Proxy({}, { get(_, k) { return typeof k === "string" && k in vals ? { value: vals[k] } : undefined; } }),
  querySelector() { return vals.mode ? { value: vals.mode } : null; },
  addEventListener(kind, fn) { if (kind === "change") handler = fn; },
};
global.document = {
  getElementById(id) { return id === "ws-calc" ? form : out; },
  createElement: node,
  createTextNode(t) { return { _text: t, children: [], get textContent() { return this._text; } }; },
};
require(path.resolve(__dirname, "../../docs/assets/js/calculator.js"));
function text(n) { return (n.textContent || "") + (n.children || []).map(text).join(""); }
const results = inputs.map(function (v) {
  vals = v;
  handler();
  const first = out.children[0];
  if (!first) return { error: null };
  if (first.className === "ws-error") return { error: text(first) };
  const ul = out.children.find(function (c) { return c.tag === "ul"; });
  const links = out.children.find(function (c) { return c.tag === "p" && c.children.some(function (a) { return a.tag === "a"; }); });
  return { owed: text(first), items: ul.children.map(text), href: links.children[0].href };
});
process.stdout.write(JSON.stringify(results));
