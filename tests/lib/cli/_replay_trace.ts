/**
 * `filemon trace` with the replay backend, as a script any runtime runs:
 *
 *     deno run -A tests/lib/cli/_replay_trace.ts LOG EXIT_CODE TRACE_ARGS...
 *     bun tests/lib/cli/_replay_trace.ts LOG EXIT_CODE TRACE_ARGS...
 *
 * @module
 */

import { traceCommand } from "../../../lib/cli/trace.ts";
import { files, input } from "../../../ffi/runtime/files.ts";
import { proc } from "../../../ffi/runtime/process.ts";
import { signals } from "../../../ffi/runtime/signals.ts";
import { ReplayBackend } from "../../_replay.ts";

const [logPath, code, ...args] = proc.args();
const log = new TextDecoder().decode(
  await new Response(await input.open(logPath)).arrayBuffer(),
);
const backend = new ReplayBackend(log, Number(code));
proc.exit(
  await traceCommand(
    args,
    { files, input },
    () => Promise.resolve(backend),
    signals,
  ),
);
