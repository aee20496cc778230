/**
 * The hidden first argument that makes this tool (main.ts, or the compiled
 * binary) act as the tracer's launcher. Alone in its module so that main.ts
 * can test for it without loading anything native.
 *
 * @module
 */

/** The launcher's argument. */
export const LAUNCH_ARG = "__filemon_launch";
