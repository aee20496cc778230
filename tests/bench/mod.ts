/**
 * `deno task bench [decode|trace|runtimes|graph] [options]`: the project's benchmarks.
 * With no name, runs them all.
 *
 * @module
 */

import { benchDecode } from "./decode_bench.ts";
import { benchGraph } from "./graph_bench.ts";
import { benchRuntimes } from "./runtimes_bench.ts";
import { benchTrace } from "./trace_bench.ts";

const [which, ...rest] = Deno.args;
if (which === undefined || which === "decode") await benchDecode(rest);
if (which === undefined || which === "trace") await benchTrace(rest);
if (which === undefined || which === "runtimes") await benchRuntimes(rest);
if (which === undefined || which === "graph") await benchGraph(rest);
