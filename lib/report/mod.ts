/**
 * `filemon report`: one self-contained HTML page to explore a trace (the
 * process tree, the files, the outputs with their inputs, a timeline and
 * the hazards).
 *
 * @example
 * ```ts
 * import { assert } from "@std/assert";
 * import { ReportBuilder, reportHtml } from "./mod.ts";
 * const b = new ReportBuilder({ cwd: "/w" });
 * b.add({ op: "exec", pid: 1, path: "/usr/bin/cc", argv: ["cc", "-c", "x.c"] });
 * b.add({ op: "open", pid: 1, path: "x.o", mode: "w" });
 * assert(reportHtml(b.finish({ root: "/w" })).includes('"x.o"'));
 * ```
 *
 * @module
 */

export {
  type EventClock,
  FILE_FLAG,
  FILE_ROLES,
  type FileRole,
  ReportBuilder,
  type ReportData,
  reportData,
  type ReportOptions,
} from "./data.ts";
export {
  REPORT_CSP,
  reportHtml,
  reportHtmlChunks,
  scriptJson,
} from "./html.ts";
