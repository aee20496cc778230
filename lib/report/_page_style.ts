/**
 * The report page's style sheet: light and dark colours following the
 * system's setting (`prefers-color-scheme`), system fonts, nothing fetched.
 *
 * @module
 */

/** The page's CSS. */
export const PAGE_STYLE: string = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1d2125; --muted: #68717a; --line: #d8dde2;
  --panel: #f5f7f9; --sel: #dcebff; --accent: #0b62c4; --bad: #c62828;
  --bar: #3a78c2; --bar-alt: #5b93d6;
  --output: #1b7a3a; --input: #0b62c4; --temporary: #8a6d00; --probe: #68717a;
  --missing: #a0522d; --other: #68717a;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #15181b; --fg: #e3e6e9; --muted: #98a1aa; --line: #33393f;
    --panel: #1d2125; --sel: #23364f; --accent: #6fb0ff; --bad: #ff6b6b;
    --bar: #3f7fcc; --bar-alt: #2f6aaf;
    --output: #5fd38a; --input: #6fb0ff; --temporary: #e0c050; --probe: #98a1aa;
    --missing: #e39a6f; --other: #98a1aa;
  }
}
* { box-sizing: border-box; }
html, body { height: 100%; margin: 0; }
body {
  background: var(--bg); color: var(--fg);
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif;
  display: grid; grid-template-rows: auto auto 1fr; overflow: hidden;
}
header { padding: 10px 16px 6px; border-bottom: 1px solid var(--line); }
header h1 { font-size: 16px; margin: 0; font-weight: 600; white-space: nowrap;
  overflow: hidden; text-overflow: ellipsis; font-family: ui-monospace, monospace; }
#summary, #root { color: var(--muted); font-size: 13px; margin-right: 1em; }
#summary.has-failed { color: var(--bad); }
nav[role=tablist] { display: flex; gap: 2px; padding: 0 12px; border-bottom: 1px solid var(--line); }
nav button { background: none; border: none; border-bottom: 2px solid transparent; color: var(--muted);
  padding: 8px 12px; font: inherit; cursor: pointer; }
nav button[aria-selected=true] { color: var(--fg); border-bottom-color: var(--accent); font-weight: 600; }
nav button kbd { font-size: 11px; color: var(--muted); margin-left: 4px; }
main { display: grid; grid-template-columns: minmax(0, 1fr) minmax(280px, 36%); min-height: 0; }
.view { display: flex; flex-direction: column; min-height: 0; min-width: 0; }
.view[hidden] { display: none; }
.bar { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 8px 12px;
  border-bottom: 1px solid var(--line); }
.bar .count { color: var(--muted); font-size: 13px; }
input, select, button.action, button.more {
  font: inherit; color: var(--fg); background: var(--panel); border: 1px solid var(--line);
  border-radius: 4px; padding: 3px 6px; }
input[type=search] { min-width: 16em; }
select { max-width: 22em; }
:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
.list { flex: 1; overflow: auto; position: relative; min-height: 0; }
.spacer { position: relative; }
.rows { position: absolute; left: 0; right: 0; top: 0; }
.row { height: 24px; display: flex; align-items: center; gap: 8px; padding: 0 12px;
  white-space: nowrap; cursor: pointer; border-bottom: 1px solid transparent; }
.row:hover { background: var(--panel); }
.row.active { background: var(--sel); }
.indent { flex: none; }
.deep { color: var(--muted); font-size: 11px; }
.tog { width: 1em; flex: none; color: var(--muted); text-align: center; }
.prog { font-weight: 600; }
.pid { color: var(--muted); font-size: 12px; }
.args { flex: 1; min-width: 0; overflow: hidden; text-overflow: ellipsis; color: var(--muted);
  font-family: ui-monospace, monospace; font-size: 12px; }
.dur { color: var(--muted); font-size: 12px; min-width: 5em; text-align: right; }
.status { min-width: 3em; text-align: right; font-size: 12px; color: var(--muted); }
.bad, .status.bad, .trow.failed .prog { color: var(--bad); font-weight: 600; }
.trow.failed { background: color-mix(in srgb, var(--bad) 8%, transparent); }
.cols, .frow { display: grid; grid-template-columns: minmax(0, 1fr) 84px 150px 150px 80px; gap: 8px; }
.orow { display: grid; grid-template-columns: minmax(0, 1fr) 220px 90px; gap: 8px; }
.hrow { display: grid; grid-template-columns: 90px minmax(0, 1fr) minmax(0, 1.4fr); gap: 8px; height: 28px; }
.cols { padding: 4px 12px; border-bottom: 1px solid var(--line); font-size: 12px; }
.cols button { all: unset; cursor: pointer; color: var(--muted); font-weight: 600; }
.cols button:focus-visible { outline: 2px solid var(--accent); }
.cols button::after { content: " " attr(data-dir); }
.path { overflow: hidden; text-overflow: ellipsis; font-family: ui-monospace, monospace; font-size: 12.5px; }
.who { overflow: hidden; text-overflow: ellipsis; color: var(--muted); font-size: 12px; }
.size, .num { text-align: right; color: var(--muted); font-size: 12px; }
.role { font-size: 12px; font-weight: 600; }
.role.output { color: var(--output); } .role.input { color: var(--input); }
.role.temporary { color: var(--temporary); } .role.probe { color: var(--probe); }
.role.missing { color: var(--missing); } .role.other { color: var(--other); }
.kind { font-size: 12px; font-weight: 600; color: var(--bad); }
#timeline { flex: 1; overflow: auto; position: relative; min-height: 0; }
#tl-canvas { position: sticky; top: 0; left: 0; display: block; }
#tl-spacer { position: absolute; top: 0; left: 0; width: 1px; }
#tooltip { position: fixed; z-index: 10; max-width: 36em; background: var(--panel); color: var(--fg);
  border: 1px solid var(--line); border-radius: 4px; padding: 6px 8px; font-size: 12px;
  box-shadow: 0 2px 8px rgba(0,0,0,.2); pointer-events: none; }
#tooltip code { display: block; white-space: pre-wrap; word-break: break-all; color: var(--muted); }
aside { border-left: 1px solid var(--line); overflow: auto; padding: 12px 16px; background: var(--panel); min-height: 0; }
aside h2 { font-size: 15px; margin: 0 0 8px; word-break: break-all; }
aside h2.path { font-size: 14px; }
aside h3 { font-size: 13px; margin: 14px 0 4px; color: var(--muted); font-weight: 600; }
aside dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 8px 0; font-size: 13px; }
aside dt { color: var(--muted); }
aside dd { margin: 0; word-break: break-all; }
.muted { color: var(--muted); font-weight: normal; }
ul.plain { list-style: none; padding: 0; margin: 0; font-size: 13px; }
ul.plain li { padding: 1px 0; }
ol.argv { margin: 0; padding-left: 2.5em; font-size: 12.5px; }
ol.argv code { word-break: break-all; white-space: pre-wrap; }
button.link { all: unset; cursor: pointer; color: var(--accent); word-break: break-all; }
button.link.file { font-family: ui-monospace, monospace; font-size: 12.5px; }
button.link.failed { color: var(--bad); }
button.link:hover { text-decoration: underline; }
button.link:focus-visible { outline: 2px solid var(--accent); }
.hint { color: var(--muted); font-size: 13px; }
`;
