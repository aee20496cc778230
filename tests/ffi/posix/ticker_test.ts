import { assertEquals } from "@std/assert";
import { ROOT } from "../../_helpers.ts";

Deno.test("a SIGALRM still pending when the ticker stops does not kill the process", async () => {
  const script = `${ROOT}tests/ffi/posix/_ticker_pending.ts`;
  const runs: [string, string[]][] = [[Deno.execPath(), ["run", "-A", script]]];
  if (await hasBun()) runs.push(["bun", [script]]);
  for (const [cmd, args] of runs) {
    const out = await new Deno.Command(cmd, {
      args,
      cwd: ROOT,
      stderr: "piped",
    })
      .output();
    const stdout = new TextDecoder().decode(out.stdout);
    assertEquals(
      { signal: out.signal, code: out.code, stdout },
      { signal: null, code: 0, stdout: "alive\n" },
      `${cmd}: ${new TextDecoder().decode(out.stderr)}`,
    );
  }
});

async function hasBun(): Promise<boolean> {
  try {
    return (await new Deno.Command("bun", { args: ["--version"] }).output())
      .success;
  } catch {
    return false;
  }
}
