/**
 * The report page's code: plain browser JavaScript, embedded in the page as
 * it is written here (no framework, nothing fetched). It reads the data
 * (`data.ts`) from the `<script type="application/json" id="filemon-data">`
 * element and draws five views: the process tree, the file table, the
 * outputs with their inputs, the timeline and the hazards; a details pane
 * shows the selected process or file. Long lists draw only the rows in view.
 *
 * The text has no backtick and no dollar-brace, so it sits in a template
 * literal unchanged.
 *
 * @module
 */

/** The page's script. */
export const PAGE_SCRIPT: string = String.raw`
(function () {
"use strict";
var D = JSON.parse(document.getElementById("filemon-data").textContent);
var S = D.strings, P = D.procs, F = D.files;
var NP = P.pid.length, NF = F.path.length;
var BIT = {};
D.kinds.forEach(function (k, i) { BIT[k] = 1 << i; });
var READ = BIT.read | BIT.exec, PRODUCE = BIT.write | BIT.rename | BIT.link;
var KEPT = 4, EXISTS = 1, DIRECTORY = 2;

function str(i) { return i < 0 ? "" : S[i]; }
function base(path) { var i = path.lastIndexOf("/"); return i < 0 || i === path.length - 1 ? path : path.slice(i + 1); }
function dirOf(path) { var i = path.lastIndexOf("/"); return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i); }
function progName(p) { var s = str(P.program[p]); return s ? base(s) : "(unknown program)"; }
function argvOf(p) { var a = P.argv[p]; return a < 0 ? [] : D.argvs[a].map(str); }
function filePath(f) { return S[F.path[f]]; }
function failed(p) { return (P.signal[p] !== null && P.signal[p] !== 0) || (P.status[p] !== null && P.status[p] !== 0); }
function duration(p) { return P.end[p] === null ? null : P.end[p] - P.start[p]; }
function fmtTime(t) {
  if (t === null) return "—";
  if (D.clock === "events") return t + " ev";
  if (t < 0.001) return Math.round(t * 1e6) + " µs";
  if (t < 1) return (t * 1000).toFixed(t < 0.01 ? 2 : 1) + " ms";
  return t.toFixed(t < 10 ? 2 : 1) + " s";
}
function fmtSize(n) {
  if (n === null || n === undefined) return "";
  if (n < 1024) return n + " B";
  if (n < 1048576) return (n / 1024).toFixed(1) + " KiB";
  return (n / 1048576).toFixed(1) + " MiB";
}
function exitText(p) {
  if (P.status[p] === null) return "no exit traced";
  if (P.signal[p]) return "killed by signal " + P.signal[p];
  return "exit " + P.status[p];
}
function kindsText(mask) { return D.kinds.filter(function (k) { return mask & BIT[k]; }).join(", "); }
function h(tag, attrs, kids) {
  var e = document.createElement(tag);
  if (attrs) for (var k in attrs) {
    if (k === "text") e.textContent = attrs[k];
    else if (k === "class") e.className = attrs[k];
    else e.setAttribute(k, attrs[k]);
  }
  if (kids) kids.forEach(function (c) { if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
  return e;
}
function $(id) { return document.getElementById(id); }

// The tree: children by id, depth-first order, depth.
var children = [];
for (var i = 0; i < NP; i++) children.push([]);
var roots = [];
for (i = 0; i < NP; i++) { if (P.parent[i] < 0) roots.push(i); else children[P.parent[i]].push(i); }
var depth = new Int32Array(NP), order = [];
(function () {
  var stack = roots.slice().reverse();
  while (stack.length) {
    var p = stack.pop();
    order.push(p);
    var c = children[p];
    for (var j = c.length - 1; j >= 0; j--) { depth[c[j]] = depth[p] + 1; stack.push(c[j]); }
  }
})();
var nFailed = 0;
for (i = 0; i < NP; i++) if (failed(i)) nFailed++;

// Who did what to each file: pairs process, mask.
var access = [];
for (i = 0; i < NF; i++) access.push([]);
var readers = new Int32Array(NF), writers = new Int32Array(NF);
for (i = 0; i < NP; i++) {
  var fl = P.files[i];
  for (var j = 0; j < fl.length; j += 2) {
    access[fl[j]].push(i, fl[j + 1]);
    if (fl[j + 1] & READ) readers[fl[j]]++;
    if (fl[j + 1] & (PRODUCE | BIT.delete)) writers[fl[j]]++;
  }
}
var ruleOf = new Int32Array(NF).fill(-1);
D.rules.forEach(function (r) { ruleOf[r[0]] = r[1]; });

// A list that draws only the rows in view. render(i) makes row i's element.
function VList(el, rowH, render, activate, keys) {
  var self = { count: 0, active: -1, el: el };
  var spacer = h("div", { class: "spacer" });
  var rows = h("div", { class: "rows" });
  spacer.appendChild(rows);
  el.appendChild(spacer);
  var pending = false;
  function draw() {
    pending = false;
    var top = el.scrollTop, height = el.clientHeight || 800;
    var first = Math.max(0, Math.floor(top / rowH) - 4);
    var last = Math.min(self.count, Math.ceil((top + height) / rowH) + 4);
    rows.textContent = "";
    rows.style.transform = "translateY(" + first * rowH + "px)";
    for (var i = first; i < last; i++) {
      var r = render(i);
      r.classList.add("row");
      r.setAttribute("role", "option");
      r.id = el.id + "-row-" + i;
      r.dataset.index = i;
      if (i === self.active) { r.classList.add("active"); r.setAttribute("aria-selected", "true"); }
      rows.appendChild(r);
    }
    if (self.active >= 0 && self.active >= first && self.active < last) el.setAttribute("aria-activedescendant", el.id + "-row-" + self.active);
    else el.removeAttribute("aria-activedescendant");
  }
  self.redraw = draw;
  self.setCount = function (n) {
    self.count = n;
    spacer.style.height = n * rowH + "px";
    if (self.active >= n) self.active = n - 1;
    draw();
  };
  self.setActive = function (i) {
    if (self.count === 0) return;
    i = Math.max(0, Math.min(self.count - 1, i));
    self.active = i;
    var top = i * rowH;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowH > el.scrollTop + el.clientHeight) el.scrollTop = top + rowH - el.clientHeight;
    draw();
  };
  el.addEventListener("scroll", function () { if (!pending) { pending = true; requestAnimationFrame(draw); } });
  el.addEventListener("click", function (e) {
    var r = e.target.closest(".row");
    if (!r || e.target.closest("[data-p],[data-f]")) return;
    self.active = +r.dataset.index;
    draw();
    activate(self.active, e);
  });
  el.addEventListener("keydown", function (e) {
    var page = Math.max(1, Math.floor(el.clientHeight / rowH) - 1);
    var moves = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (e.key in moves) self.setActive(self.active < 0 ? 0 : self.active + moves[e.key]);
    else if (e.key === "Home") self.setActive(0);
    else if (e.key === "End") self.setActive(self.count - 1);
    else if (e.key === "Enter" && self.active >= 0) activate(self.active, e);
    else if (!(keys && keys(e))) return;
    e.preventDefault();
  });
  return self;
}

function procLink(p) {
  return h("button", { class: "link" + (failed(p) ? " failed" : ""), "data-p": p, title: argvOf(p).join(" ") }, [progName(p) + " (" + P.pid[p] + ")"]);
}
function fileLink(f) {
  return h("button", { class: "link file", "data-f": f, title: filePath(f) }, [filePath(f)]);
}
function limited(items, make, n) {
  var ul = h("ul", { class: "plain" });
  var shown = 0;
  function more() {
    var end = Math.min(items.length, shown + n);
    for (; shown < end; shown++) ul.appendChild(h("li", null, make(items[shown])));
    if (shown < items.length) {
      var b = h("button", { class: "more", text: "show " + Math.min(n, items.length - shown) + " more of " + (items.length - shown) });
      b.addEventListener("click", function () { b.parentNode.remove(); more(); });
      ul.appendChild(h("li", null, [b]));
    }
  }
  more();
  return ul;
}

// The details pane.
var details = $("details");
function section(title, body) { return h("section", null, [h("h3", { text: title }), body]); }
function dl(pairs) {
  var d = h("dl");
  pairs.forEach(function (p) { if (p) { d.appendChild(h("dt", { text: p[0] })); d.appendChild(h("dd", null, [p[1]])); } });
  return d;
}
function showProcess(p) {
  details.textContent = "";
  details.dataset.kind = "process";
  details.dataset.id = p;
  var argv = argvOf(p);
  var head = h("h2", null, [progName(p), h("span", { class: "muted", text: " pid " + P.pid[p] })]);
  var reveal = h("button", { class: "action", text: "Show in tree" });
  reveal.addEventListener("click", function () { revealInTree(p); });
  details.appendChild(head);
  details.appendChild(reveal);
  details.appendChild(dl([
    ["program", str(P.program[p]) + (P.execed[p] ? "" : " (inherited: no exec of its own)")],
    ["status", h("span", { class: failed(p) ? "bad" : "", text: exitText(p) })],
    ["started", fmtTime(P.start[p])],
    ["duration", fmtTime(duration(p))],
    ["directory", str(P.cwd[p]) || "unknown"],
    P.parent[p] >= 0 ? ["parent", procLink(P.parent[p])] : ["parent", "none traced (a root)"],
    ["job", P.job[p] === p ? "starts its own job" : procLink(P.job[p])],
  ]));
  var ol = h("ol", { class: "argv", start: "0" });
  argv.forEach(function (a) { ol.appendChild(h("li", null, [h("code", { text: a })])); });
  details.appendChild(section("argv (" + argv.length + ")", argv.length ? ol : h("p", { class: "muted", text: "not recorded" })));
  if (children[p].length) details.appendChild(section("children (" + children[p].length + ")", limited(children[p], function (c) { return [procLink(c), " ", h("span", { class: "muted", text: fmtTime(duration(c)) })]; }, 50)));
  var fl = P.files[p], groups = { read: [], produce: [], other: [] };
  for (var j = 0; j < fl.length; j += 2) {
    var g = fl[j + 1] & PRODUCE ? "produce" : fl[j + 1] & READ ? "read" : "other";
    groups[g].push([fl[j], fl[j + 1]]);
  }
  var row = function (x) { return [fileLink(x[0]), " ", h("span", { class: "muted", text: kindsText(x[1]) })]; };
  if (groups.produce.length) details.appendChild(section("wrote (" + groups.produce.length + ")", limited(groups.produce, row, 100)));
  if (groups.read.length) details.appendChild(section("read or ran (" + groups.read.length + ")", limited(groups.read, row, 100)));
  if (groups.other.length) details.appendChild(section("looked up, deleted, other (" + groups.other.length + ")", limited(groups.other, row, 100)));
}
var usedBy = null;
function outputsUsing(f) {
  if (usedBy === null) {
    var lists = [];
    for (var i = 0; i < D.inputLists.length; i++) lists.push([]);
    D.rules.forEach(function (r) { lists[r[1]].push(r[0]); });
    usedBy = new Map();
    D.inputLists.forEach(function (l, li) {
      l.forEach(function (g) { var u = usedBy.get(g); if (!u) usedBy.set(g, u = []); u.push(li); });
    });
    usedBy.lists = lists;
  }
  var out = [];
  (usedBy.get(f) || []).forEach(function (li) { out.push.apply(out, usedBy.lists[li]); });
  return out;
}
function showFile(f) {
  details.textContent = "";
  details.dataset.kind = "file";
  details.dataset.id = f;
  var role = F.role[f];
  details.appendChild(h("h2", { class: "path", text: filePath(f) }));
  details.appendChild(dl([
    ["role", h("span", { class: "role " + role, text: role })],
    ["at the end", (F.flags[f] & EXISTS ? "exists" : "gone") + (F.flags[f] & DIRECTORY ? ", a directory" : "")],
    F.size[f] !== null ? ["size", fmtSize(F.size[f]) + " (when the report was made)"] : null,
  ]));
  if (F.producers[f].length) {
    details.appendChild(section("produced by", limited(F.producers[f], function (p) {
      return [procLink(p)].concat(P.job[p] !== p ? [" in the job of ", procLink(P.job[p])] : [" (its own job)"]);
    }, 50)));
  }
  if (ruleOf[f] >= 0) {
    var inputs = D.inputLists[ruleOf[f]];
    var s = section("inputs (" + inputs.length + "), as graph -f make gives them", limited(inputs, function (g) { return [fileLink(g)]; }, 500));
    s.id = "rule-inputs";
    details.appendChild(s);
  }
  var using = outputsUsing(f);
  if (using.length) {
    details.appendChild(section("why an input: the jobs that made these outputs read it (" + using.length + ")", limited(using, function (o) { return [fileLink(o)]; }, 100)));
  }
  var acc = access[f], pairs = [];
  for (var j = 0; j < acc.length; j += 2) pairs.push([acc[j], acc[j + 1]]);
  if (pairs.length) details.appendChild(section("used by (" + pairs.length + " processes)", limited(pairs, function (x) { return [procLink(x[0]), " ", h("span", { class: "muted", text: kindsText(x[1]) })]; }, 100)));
}
document.addEventListener("click", function (e) {
  var b = e.target.closest("[data-p],[data-f]");
  if (!b) return;
  if (b.dataset.p !== undefined) showProcess(+b.dataset.p);
  else showFile(+b.dataset.f);
});

// Views and tabs.
var views = ["tree", "files", "outputs", "timeline", "hazards"];
var current = null;
function show(name) {
  views.forEach(function (v) {
    var on = v === name;
    $("tab-" + v).setAttribute("aria-selected", on ? "true" : "false");
    $("tab-" + v).tabIndex = on ? 0 : -1;
    $("view-" + v).hidden = !on;
  });
  current = name;
  if (name === "tree") tree.redraw();
  if (name === "files") fileList.redraw();
  if (name === "outputs") outList.redraw();
  if (name === "hazards") hazList.redraw();
  if (name === "timeline") timeline.draw();
}
views.forEach(function (v, i) {
  $("tab-" + v).addEventListener("click", function () { show(v); });
  $("tab-" + v).addEventListener("keydown", function (e) {
    var d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!d) return;
    var next = views[(i + d + views.length) % views.length];
    show(next);
    $("tab-" + next).focus();
  });
});
document.addEventListener("keydown", function (e) {
  var t = e.target;
  var typing = t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA";
  if (e.key === "Escape") { tooltip.hidden = true; if (typing) t.blur(); return; }
  if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
  var n = "12345".indexOf(e.key);
  if (n >= 0) { show(views[n]); e.preventDefault(); }
  else if (e.key === "/") {
    var box = { tree: "tree-search", files: "file-text" }[current];
    if (box) { $(box).focus(); e.preventDefault(); }
  }
});

// The process tree.
var collapsed = new Uint8Array(NP);
var treeRows = [];
var query = "";
function matches(p) {
  if (str(P.program[p]).toLowerCase().indexOf(query) >= 0) return true;
  var a = argvOf(p);
  for (var i = 0; i < a.length; i++) if (a[i].toLowerCase().indexOf(query) >= 0) return true;
  return String(P.pid[p]) === query;
}
function buildTree() {
  treeRows = [];
  if (query) {
    var keep = new Uint8Array(NP);
    for (var p = 0; p < NP; p++) {
      if (!matches(p)) continue;
      for (var q = p; q >= 0 && keep[q] !== 2; q = P.parent[q]) keep[q] = q === p ? 2 : Math.max(keep[q], 1);
      keep[p] = 2;
    }
    order.forEach(function (p) { if (keep[p]) treeRows.push(p); });
    $("tree-count").textContent = treeRows.length + " of " + NP + " processes (matches and their ancestors)";
  } else {
    var stack = roots.slice().reverse();
    while (stack.length) {
      var x = stack.pop();
      treeRows.push(x);
      if (collapsed[x]) continue;
      for (var j = children[x].length - 1; j >= 0; j--) stack.push(children[x][j]);
    }
    $("tree-count").textContent = NP + " processes" + (nFailed ? ", " + nFailed + " failed" : "");
  }
  tree.setCount(treeRows.length);
}
function treeRow(i) {
  var p = treeRows[i];
  var d = depth[p];
  var r = h("div", { class: "trow" + (failed(p) ? " failed" : ""), "data-pid": P.pid[p], "data-proc": p });
  var indent = h("span", { class: "indent" });
  indent.style.width = Math.min(d, 40) * 14 + "px";
  r.appendChild(indent);
  if (d > 40) r.appendChild(h("span", { class: "deep", text: "↳" + d }));
  var tog = h("span", { class: "tog", "aria-hidden": "true", text: children[p].length ? (collapsed[p] && !query ? "▸" : "▾") : "" });
  r.appendChild(tog);
  r.appendChild(h("span", { class: "prog", text: progName(p) }));
  r.appendChild(h("span", { class: "pid", text: String(P.pid[p]) }));
  r.appendChild(h("span", { class: "args", text: argvOf(p).slice(1).join(" ") }));
  r.appendChild(h("span", { class: "dur", text: fmtTime(duration(p)) }));
  r.appendChild(h("span", { class: "status" + (failed(p) ? " bad" : ""), text: P.status[p] === null ? "?" : P.signal[p] ? "sig " + P.signal[p] : String(P.status[p]) }));
  if (children[p].length) r.setAttribute("aria-expanded", collapsed[p] && !query ? "false" : "true");
  r.setAttribute("aria-level", d + 1);
  return r;
}
function toggle(p, open) {
  if (!children[p].length || query) return false;
  var now = !collapsed[p];
  if (open === now) return false;
  collapsed[p] = now ? 1 : 0;
  buildTree();
  return true;
}
var tree = VList($("tree"), 24, treeRow, function (i, e) {
  var p = treeRows[i];
  if (e && e.target && e.target.classList && e.target.classList.contains("tog")) { toggle(p); return; }
  showProcess(p);
}, function (e) {
  var p = treeRows[tree.active];
  if (p === undefined) return false;
  if (e.key === "ArrowRight") { if (!toggle(p, true) && children[p].length && !collapsed[p]) tree.setActive(tree.active + 1); return true; }
  if (e.key === "ArrowLeft") {
    if (!toggle(p, false) && P.parent[p] >= 0) { var at = treeRows.indexOf(P.parent[p]); if (at >= 0) tree.setActive(at); }
    return true;
  }
  if (e.key === " ") { toggle(p); return true; }
  return false;
});
$("tree-search").addEventListener("input", function () { query = this.value.trim().toLowerCase(); buildTree(); });
$("tree-expand").addEventListener("click", function () { collapsed.fill(0); buildTree(); });
$("tree-collapse").addEventListener("click", function () { for (var p = 0; p < NP; p++) collapsed[p] = depth[p] >= 1 && children[p].length ? 1 : 0; buildTree(); });
function revealInTree(p) {
  for (var q = P.parent[p]; q >= 0; q = P.parent[q]) collapsed[q] = 0;
  if (query) { query = ""; $("tree-search").value = ""; }
  buildTree();
  show("tree");
  tree.setActive(treeRows.indexOf(p));
  $("tree").focus();
}

// The file table.
var fileRows = [];
var sortKey = "path", sortDir = 1;
function names(f, mask) {
  var acc = access[f], seen = [];
  for (var j = 0; j < acc.length; j += 2) {
    if (!(acc[j + 1] & mask)) continue;
    var n = progName(acc[j]);
    if (seen.indexOf(n) < 0) seen.push(n);
    if (seen.length > 3) break;
  }
  return seen.length > 3 ? seen.slice(0, 3).join(", ") + ", …" : seen.join(", ");
}
(function () {
  var counts = {}, dirs = new Map();
  for (var f = 0; f < NF; f++) {
    counts[F.role[f]] = (counts[F.role[f]] || 0) + 1;
    var d = dirOf(filePath(f));
    dirs.set(d, (dirs.get(d) || 0) + 1);
  }
  var role = $("file-role");
  ["output", "input", "temporary", "probe", "missing", "other"].forEach(function (r) {
    role.appendChild(h("option", { value: r, text: r + " (" + (counts[r] || 0) + ")" }));
  });
  var dir = $("file-dir");
  Array.from(dirs.keys()).sort().forEach(function (d) { dir.appendChild(h("option", { value: d, text: d + " (" + dirs.get(d) + ")" })); });
})();
function filterFiles() {
  var role = $("file-role").value, dir = $("file-dir").value, text = $("file-text").value.trim().toLowerCase(), all = $("file-all").checked;
  fileRows = [];
  for (var f = 0; f < NF; f++) {
    if (!all && !(F.flags[f] & KEPT)) continue;
    if (role && F.role[f] !== role) continue;
    var path = filePath(f);
    if (dir && dirOf(path) !== dir) continue;
    if (text && path.toLowerCase().indexOf(text) < 0) continue;
    fileRows.push(f);
  }
  var key = {
    path: function (f) { return filePath(f); },
    role: function (f) { return F.role[f]; },
    readers: function (f) { return readers[f]; },
    writers: function (f) { return writers[f]; },
    size: function (f) { return F.size[f] === null ? -1 : F.size[f]; },
  }[sortKey];
  fileRows.sort(function (a, b) { var x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : a - b) * sortDir; });
  $("file-count").textContent = fileRows.length + " of " + NF + " files";
  document.querySelectorAll("#file-head [data-sort]").forEach(function (b) {
    b.setAttribute("aria-sort", b.dataset.sort === sortKey ? (sortDir > 0 ? "ascending" : "descending") : "none");
    b.dataset.dir = b.dataset.sort === sortKey ? (sortDir > 0 ? "▲" : "▼") : "";
  });
  fileList.setCount(fileRows.length);
}
function fileRow(i) {
  var f = fileRows[i];
  var r = h("div", { class: "frow", "data-file": f, title: filePath(f) });
  r.appendChild(h("span", { class: "path", text: filePath(f) }));
  r.appendChild(h("span", { class: "role " + F.role[f], text: F.role[f] }));
  r.appendChild(h("span", { class: "who", text: names(f, READ) }));
  r.appendChild(h("span", { class: "who", text: names(f, PRODUCE | BIT.delete) }));
  r.appendChild(h("span", { class: "size", text: fmtSize(F.size[f]) }));
  return r;
}
var fileList = VList($("files"), 24, fileRow, function (i) { showFile(fileRows[i]); });
["file-role", "file-dir", "file-all"].forEach(function (id) { $(id).addEventListener("change", filterFiles); });
$("file-text").addEventListener("input", filterFiles);
document.querySelectorAll("#file-head [data-sort]").forEach(function (b) {
  b.addEventListener("click", function () {
    if (sortKey === b.dataset.sort) sortDir = -sortDir; else { sortKey = b.dataset.sort; sortDir = 1; }
    filterFiles();
  });
});

// Outputs and the jobs that made them.
function outRow(i) {
  var rule = D.rules[i], f = rule[0];
  var makers = F.producers[f].map(function (p) { return P.job[p]; }).filter(function (j, k, a) { return a.indexOf(j) === k; });
  var r = h("div", { class: "orow", "data-file": f });
  r.appendChild(h("span", { class: "path", text: filePath(f) }));
  var job = h("span", { class: "who" });
  makers.slice(0, 2).forEach(function (j) { job.appendChild(h("span", { text: progName(j) + " (" + P.pid[j] + ") " })); });
  r.appendChild(job);
  r.appendChild(h("span", { class: "num", text: D.inputLists[rule[1]].length + " inputs" }));
  return r;
}
var outList = VList($("outputs"), 24, outRow, function (i) { showFile(D.rules[i][0]); });

// Hazards.
function hazRow(i) {
  var z = D.hazards[i];
  var r = h("div", { class: "hrow" });
  r.appendChild(h("span", { class: "kind", text: z[0] ? "read-write" : "write-write" }));
  r.appendChild(fileLink(z[1]));
  r.appendChild(h("span", { class: "who" }, [z[0] ? "read by " : "written by ", procLink(z[2]), z[0] ? (z[4] ? " before " : " after ") : " and ", procLink(z[3]), z[0] ? " wrote it" : ""]));
  return r;
}
var hazList = VList($("hazards"), 28, hazRow, function (i) { showFile(D.hazards[i][1]); });

// The timeline: one bar per process, in tree order, on a canvas that draws the rows in view.
var tooltip = $("tooltip");
var timeline = (function () {
  var box = $("timeline"), canvas = $("tl-canvas"), spacer = $("tl-spacer");
  var ROW = 18, AXIS = 24, LEFT = 8, RIGHT = 16;
  var rowOf = new Int32Array(NP);
  order.forEach(function (p, i) { rowOf[p] = i; });
  var self = { active: -1 };
  var span = D.span > 0 ? D.span : 1;
  spacer.style.height = AXIS + NP * ROW + "px";
  function css(name) { return getComputedStyle(document.body).getPropertyValue(name).trim(); }
  function xOf(t, w) { return LEFT + (t / span) * (w - LEFT - RIGHT); }
  self.draw = function () {
    if (box.offsetParent === null) return;
    var w = box.clientWidth, hgt = box.clientHeight, dpr = window.devicePixelRatio || 1;
    canvas.width = w * dpr; canvas.height = hgt * dpr;
    canvas.style.width = w + "px"; canvas.style.height = hgt + "px";
    var c = canvas.getContext("2d");
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.font = "12px system-ui, sans-serif";
    c.textBaseline = "middle";
    var top = box.scrollTop;
    var first = Math.max(0, Math.floor(top / ROW)), last = Math.min(NP, Math.ceil((top + hgt) / ROW) + 1);
    var bar = css("--bar"), barAlt = css("--bar-alt"), bad = css("--bad"), fg = css("--fg"), muted = css("--muted"), line = css("--line"), sel = css("--sel");
    for (var i = first; i < last; i++) {
      var p = order[i], y = AXIS + i * ROW - top;
      if (i === self.active) { c.fillStyle = sel; c.fillRect(0, y, w, ROW); }
      var x0 = xOf(P.start[p], w), end = P.end[p] === null ? span : P.end[p];
      var x1 = Math.max(x0 + 2, xOf(end, w));
      c.fillStyle = failed(p) ? bad : depth[p] % 2 ? barAlt : bar;
      c.globalAlpha = P.end[p] === null ? 0.5 : 1;
      c.fillRect(x0, y + 3, x1 - x0, ROW - 6);
      c.globalAlpha = 1;
      var label = progName(p);
      var tw = c.measureText(label).width;
      if (x1 - x0 > tw + 8) { c.fillStyle = "#fff"; c.fillText(label, x0 + 4, y + ROW / 2); }
      else { c.fillStyle = fg; c.fillText(label, Math.min(x1 + 4, w - tw - 2), y + ROW / 2); }
    }
    // The axis, over the rows.
    c.fillStyle = css("--bg"); c.fillRect(0, 0, w, AXIS);
    c.strokeStyle = line; c.beginPath(); c.moveTo(0, AXIS - 0.5); c.lineTo(w, AXIS - 0.5); c.stroke();
    var step = Math.pow(10, Math.floor(Math.log10(span / 5)));
    if (span / step > 10) step *= 2;
    if (span / step > 10) step *= 2.5;
    c.fillStyle = muted;
    for (var t = 0; t <= span + 1e-9; t += step) {
      var x = xOf(t, w);
      c.fillRect(x, AXIS - 6, 1, 6);
      c.fillText(fmtTime(Math.round(t * 1e6) / 1e6), Math.min(x + 2, w - 60), AXIS / 2);
    }
  };
  function rowAt(e) {
    var r = canvas.getBoundingClientRect();
    var y = e.clientY - r.top;
    if (y < AXIS) return -1;
    var i = Math.floor((y - AXIS + box.scrollTop) / ROW);
    return i >= 0 && i < NP ? i : -1;
  }
  canvas.addEventListener("mousemove", function (e) {
    var i = rowAt(e);
    if (i < 0) { tooltip.hidden = true; return; }
    var p = order[i];
    tooltip.textContent = "";
    tooltip.appendChild(h("strong", { text: progName(p) + " (pid " + P.pid[p] + ")" }));
    tooltip.appendChild(h("div", { text: "duration " + fmtTime(duration(p)) + ", started " + fmtTime(P.start[p]) + ", " + exitText(p) }));
    tooltip.appendChild(h("code", { text: argvOf(p).join(" ").slice(0, 400) }));
    tooltip.hidden = false;
    tooltip.style.left = Math.min(e.clientX + 12, window.innerWidth - tooltip.offsetWidth - 8) + "px";
    tooltip.style.top = Math.min(e.clientY + 12, window.innerHeight - tooltip.offsetHeight - 8) + "px";
  });
  canvas.addEventListener("mouseleave", function () { tooltip.hidden = true; });
  canvas.addEventListener("click", function (e) { var i = rowAt(e); if (i >= 0) { self.active = i; self.draw(); showProcess(order[i]); } });
  box.addEventListener("scroll", function () { requestAnimationFrame(self.draw); });
  box.addEventListener("keydown", function (e) {
    var d = e.key === "ArrowDown" ? 1 : e.key === "ArrowUp" ? -1 : 0;
    if (d) {
      self.active = Math.max(0, Math.min(NP - 1, self.active + d));
      var y = self.active * ROW;
      if (y < box.scrollTop) box.scrollTop = y;
      else if (y + ROW + AXIS > box.scrollTop + box.clientHeight) box.scrollTop = y + ROW + AXIS - box.clientHeight;
      self.draw();
      showProcess(order[self.active]);
      e.preventDefault();
    }
  });
  window.addEventListener("resize", function () { if (current === "timeline") self.draw(); });
  return self;
})();

// The header's summary.
var nOut = D.rules.length;
$("summary").textContent = NP + " processes" + (nFailed ? " (" + nFailed + " failed)" : "") + " · " + NF + " files · " + nOut + " outputs · " + D.hazards.length + " hazards · " + (D.clock === "seconds" ? fmtTime(D.span) : D.span + " events (the trace has no times)");
if (nFailed) $("summary").classList.add("has-failed");
$("hazard-count").textContent = D.hazards.length ? D.hazards.length + " hazards: files written by two jobs, or read and written by processes the trace does not order" : "No hazards.";
$("output-count").textContent = nOut + " outputs, each with the job that made it; select one to see its inputs";
if (D.root) $("root").textContent = "paths relative to " + D.root;

buildTree();
filterFiles();
outList.setCount(D.rules.length);
hazList.setCount(D.hazards.length);
show("tree");
window.filemonReport = {
  treeRows: function () { return treeRows.slice(); },
  fileRows: function () { return fileRows.slice(); },
};
requestAnimationFrame(function () { document.body.dataset.ready = String(Math.round(performance.now())); });
})();
`;
