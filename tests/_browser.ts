/**
 * Headless Chromium for the tests, driven over the DevTools protocol on a
 * WebSocket (no library): start it, open a page, evaluate, click, type,
 * take screenshots, and record every network request the page makes.
 *
 * @module
 */

/** The Chromium executable, when installed (Debian's `chromium`). */
export function chromiumPath(): string | undefined {
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    const r = new Deno.Command("sh", {
      args: ["-c", 'command -v "$0"', name],
      stdout: "piped",
    }).outputSync();
    const path = new TextDecoder().decode(r.stdout).trim();
    if (r.success && path !== "") return path;
  }
  return undefined;
}

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(err: Error): void;
}

/** One page (a target) in a running browser. */
export class Page {
  #ws: WebSocket;
  #next = 1;
  #pending = new Map<number, Pending>();
  #listeners = new Map<string, ((params: Record<string, unknown>) => void)[]>();
  /** URLs of every request the page made (Network.requestWillBeSent). */
  readonly requests: string[] = [];
  /** Uncaught exceptions and console errors. */
  readonly errors: string[] = [];

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.onmessage = (m) => {
      const msg = JSON.parse(m.data as string);
      if (msg.id !== undefined) {
        const p = this.#pending.get(msg.id);
        this.#pending.delete(msg.id);
        if (msg.error) p?.reject(new Error(JSON.stringify(msg.error)));
        else p?.resolve(msg.result);
      } else {
        for (const f of this.#listeners.get(msg.method) ?? []) f(msg.params);
      }
    };
  }

  /** Connects to a page's WebSocket URL and turns on the domains tests use. */
  static async connect(url: string): Promise<Page> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
    const page = new Page(ws);
    page.on("Network.requestWillBeSent", (p) => {
      page.requests.push((p.request as { url: string }).url);
    });
    page.on("Runtime.exceptionThrown", (p) => {
      const d = p.exceptionDetails as {
        text: string;
        exception?: { description?: string };
      };
      page.errors.push(d.exception?.description ?? d.text);
    });
    page.on("Runtime.consoleAPICalled", (p) => {
      if (p.type === "error") page.errors.push(JSON.stringify(p.args));
    });
    await page.send("Network.enable");
    await page.send("Runtime.enable");
    await page.send("Page.enable");
    return page;
  }

  /** Calls `fn` on each event `method`. */
  on(method: string, fn: (params: Record<string, unknown>) => void): void {
    const list = this.#listeners.get(method) ?? [];
    list.push(fn);
    this.#listeners.set(method, list);
  }

  /** Sends a command; resolves with its result. */
  send(
    method: string,
    params: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    const id = this.#next++;
    this.#ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) =>
      this.#pending.set(id, { resolve, reject })
    );
  }

  /** Opens `url` and waits until the page's script says it is ready. */
  async goto(url: string, timeoutMs = 30_000): Promise<void> {
    await this.send("Page.navigate", { url });
    await this.waitFor(
      "document.body && document.body.dataset.ready",
      timeoutMs,
    );
  }

  /** Evaluates an expression in the page; returns its value (awaited, by value). */
  async eval<T = unknown>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    });
    const details = r.exceptionDetails as
      | { exception?: { description?: string }; text: string }
      | undefined;
    if (details) {
      throw new Error(details.exception?.description ?? details.text);
    }
    return (r.result as { value: T }).value;
  }

  /** Waits until `expression` is truthy in the page. */
  async waitFor(expression: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await this.eval<boolean>(`!!(${expression})`))) {
      if (Date.now() > end) {
        throw new Error(`timed out waiting for ${expression}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Clicks the middle of the element `selector` names, as a mouse would. */
  async click(selector: string): Promise<void> {
    const box = await this.eval<{ x: number; y: number } | null>(`(() => {
      const e = document.querySelector(${JSON.stringify(selector)});
      if (!e) return null;
      e.scrollIntoView({ block: "nearest" });
      const r = e.getBoundingClientRect();
      return { x: r.left + Math.min(r.width / 2, 40), y: r.top + r.height / 2 };
    })()`);
    if (box === null) throw new Error(`no element ${selector}`);
    for (const type of ["mousePressed", "mouseReleased"]) {
      await this.send("Input.dispatchMouseEvent", {
        type,
        x: box.x,
        y: box.y,
        button: "left",
        clickCount: 1,
      });
    }
  }

  /** Presses a key (`Enter`, `ArrowDown`, `2`...) in the focused element. */
  async press(key: string): Promise<void> {
    const codes: Record<string, number> = {
      Enter: 13,
      ArrowDown: 40,
      ArrowUp: 38,
      ArrowLeft: 37,
      ArrowRight: 39,
      Escape: 27,
      Home: 36,
      End: 35,
    };
    const code = codes[key] ?? key.toUpperCase().charCodeAt(0);
    const text = key.length === 1 ? key : key === "Enter" ? "\r" : undefined;
    await this.send("Input.dispatchKeyEvent", {
      type: text ? "keyDown" : "rawKeyDown",
      key,
      windowsVirtualKeyCode: code,
      ...(text ? { text } : {}),
    });
    await this.send("Input.dispatchKeyEvent", {
      type: "keyUp",
      key,
      windowsVirtualKeyCode: code,
    });
  }

  /** Types text into the focused element. */
  async type(text: string): Promise<void> {
    await this.send("Input.insertText", { text });
  }

  /** Sets the window's size and colour scheme. */
  async viewport(
    width: number,
    height: number,
    scheme: "light" | "dark" = "light",
  ): Promise<void> {
    await this.send("Emulation.setDeviceMetricsOverride", {
      width,
      height,
      deviceScaleFactor: 1,
      mobile: false,
    });
    await this.send("Emulation.setEmulatedMedia", {
      features: [{ name: "prefers-color-scheme", value: scheme }],
    });
  }

  /** A PNG of the viewport. */
  async screenshot(): Promise<Uint8Array> {
    const r = await this.send("Page.captureScreenshot", { format: "png" });
    return Uint8Array.from(atob(r.data as string), (c) => c.charCodeAt(0));
  }

  close(): void {
    this.#ws.close();
  }
}

/** A headless Chromium with a fresh profile. */
export class Browser {
  #child: Deno.ChildProcess;
  #profile: string;
  #port: number;

  private constructor(child: Deno.ChildProcess, profile: string, port: number) {
    this.#child = child;
    this.#profile = profile;
    this.#port = port;
  }

  /** Starts the browser and waits for its DevTools endpoint. */
  static async launch(executable: string): Promise<Browser> {
    const profile = await Deno.makeTempDir({ prefix: "filemon-chromium-" });
    const args = [
      "--headless",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "--no-first-run",
      "--no-default-browser-check",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-extensions",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--metrics-recording-only",
      "about:blank",
    ];
    // Chromium refuses to run as root with its sandbox.
    if (Deno.uid() === 0) args.unshift("--no-sandbox");
    const child = new Deno.Command(executable, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream())
      .getReader();
    let seen = "";
    const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
    try {
      while (true) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`chromium exited before listening:\n${seen}`);
        seen += value;
        const m = seen.match(/DevTools listening on ws:\/\/[^:]+:(\d+)\//);
        if (m) {
          // Keep draining stderr so the browser never blocks on it.
          (async () => {
            try {
              while (!(await reader.read()).done) { /* drain */ }
            } catch { /* closed */ }
          })();
          return new Browser(child, profile, Number(m[1]));
        }
      }
    } finally {
      clearTimeout(deadline);
    }
  }

  /** A new page (tab). */
  async newPage(): Promise<Page> {
    const r = await fetch(
      `http://127.0.0.1:${this.#port}/json/new?about:blank`,
      { method: "PUT" },
    );
    const target = await r.json();
    return await Page.connect(target.webSocketDebuggerUrl);
  }

  /** Stops the browser and removes its profile. */
  async close(): Promise<void> {
    try {
      this.#child.kill("SIGTERM");
    } catch { /* gone */ }
    await this.#child.status;
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}
