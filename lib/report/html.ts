/**
 * The report page: one self-contained HTML file (style, code and data
 * inside), which opens offline in any browser. Its Content Security Policy
 * forbids every request (`default-src 'none'`), so nothing leaves the page.
 *
 * @module
 */

import type { ReportData } from "./data.ts";
import { PAGE_SCRIPT } from "./_page_script.ts";
import { PAGE_STYLE } from "./_page_style.ts";

/** The page's Content Security Policy: inline style and script, no requests. */
export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!,
  );
}

/**
 * JSON that can sit inside a `<script>` element: `<` written as `\u003c`,
 * so no `</script>` or `<!--` in a path ends or changes it. `JSON.parse`
 * reads it back unchanged.
 *
 * @example
 * ```ts
 * import { assertEquals } from "@std/assert";
 * import { scriptJson } from "./html.ts";
 * const text = scriptJson({ path: "</script><b>" });
 * assertEquals(text.includes("<"), false);
 * assertEquals(JSON.parse(text).path, "</script><b>");
 * ```
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

/**
 * The page, in pieces (the data is the biggest, and is one piece).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ReportBuilder } from "./data.ts";
 * import { reportHtmlChunks } from "./html.ts";
 * const b = new ReportBuilder();
 * b.add({ op: "exec", pid: 1, path: "/bin/true", argv: ["true"] });
 * const page = [...reportHtmlChunks(b.finish())].join("");
 * assert(page.startsWith("<!doctype html>"));
 * assert(page.includes('id="filemon-data"'));
 * ```
 */
export function* reportHtmlChunks(data: ReportData): Generator<string> {
  const title = escapeHtml(data.title);
  yield `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="filemon report">
<title>filemon: ${title}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1 title="${title}">${title}</h1>
<span id="summary"></span><span id="root"></span>
</header>
<nav role="tablist" aria-label="Views">
<button role="tab" id="tab-tree" aria-controls="view-tree">Processes<kbd>1</kbd></button>
<button role="tab" id="tab-files" aria-controls="view-files">Files<kbd>2</kbd></button>
<button role="tab" id="tab-outputs" aria-controls="view-outputs">Outputs &amp; jobs<kbd>3</kbd></button>
<button role="tab" id="tab-timeline" aria-controls="view-timeline">Timeline<kbd>4</kbd></button>
<button role="tab" id="tab-hazards" aria-controls="view-hazards">Hazards<kbd>5</kbd></button>
</nav>
<main>
<section class="view" id="view-tree" role="tabpanel" aria-labelledby="tab-tree">
<div class="bar">
<input type="search" id="tree-search" placeholder="Search program, argument or pid ( / )" aria-label="Search processes">
<button class="action" id="tree-expand">Expand all</button>
<button class="action" id="tree-collapse">Collapse</button>
<span class="count" id="tree-count"></span>
</div>
<div class="list" id="tree" tabindex="0" role="listbox" aria-label="Process tree: arrows move, Enter shows details, Left and Right fold"></div>
</section>
<section class="view" id="view-files" role="tabpanel" aria-labelledby="tab-files" hidden>
<div class="bar">
<input type="search" id="file-text" placeholder="Filter paths ( / )" aria-label="Filter paths">
<select id="file-role" aria-label="Role"><option value="">every role</option></select>
<select id="file-dir" aria-label="Directory"><option value="">every directory</option></select>
<label><input type="checkbox" id="file-all"> system files and files outside the root</label>
<span class="count" id="file-count"></span>
</div>
<div class="cols" id="file-head">
<button data-sort="path">path</button><button data-sort="role">role</button><button data-sort="readers">read by</button><button data-sort="writers">written by</button><button data-sort="size">size</button>
</div>
<div class="list" id="files" tabindex="0" role="listbox" aria-label="Files"></div>
</section>
<section class="view" id="view-outputs" role="tabpanel" aria-labelledby="tab-outputs" hidden>
<div class="bar"><span class="count" id="output-count"></span></div>
<div class="list" id="outputs" tabindex="0" role="listbox" aria-label="Outputs"></div>
</section>
<section class="view" id="view-timeline" role="tabpanel" aria-labelledby="tab-timeline" hidden>
<div class="bar"><span class="count">Processes over time, in tree order; hover for the command, click for details.</span></div>
<div id="timeline" tabindex="0" aria-label="Timeline: Up and Down select a process"><canvas id="tl-canvas"></canvas><div id="tl-spacer"></div></div>
</section>
<section class="view" id="view-hazards" role="tabpanel" aria-labelledby="tab-hazards" hidden>
<div class="bar"><span class="count" id="hazard-count"></span></div>
<div class="list" id="hazards" tabindex="0" role="listbox" aria-label="Hazards"></div>
</section>
<aside id="details" aria-live="polite"><p class="hint">Select a process or a file to see what it did and why.</p>
<p class="hint">Keys: 1–5 switch views, / searches, arrows and Enter in lists, Left and Right fold the tree, Esc leaves a field.</p></aside>
</main>
<div id="tooltip" role="tooltip" hidden></div>
<script type="application/json" id="filemon-data">`;
  yield scriptJson(data);
  yield `</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** The page as one string (see `reportHtmlChunks`). */
export function reportHtml(data: ReportData): string {
  return [...reportHtmlChunks(data)].join("");
}
