/**
 * `Files` through FreeBSD's libc.so.7 (chosen by `files.ts`): the
 * implementation in ../freebsd/files.ts over the file layer's own libc
 * table, loaded on FreeBSD only.
 *
 * @module
 */

import type { Files } from "../../lib/cli/output.ts";
import type { Input } from "../../lib/cli/io.ts";
import { freebsdFiles } from "../freebsd/files.ts";
import { loadFreebsdFileLibc } from "../freebsd/libc.ts";

const impl = freebsdFiles(loadFreebsdFileLibc());

/** libc's implementation of `Files` on FreeBSD. */
export const libcFiles: Files = impl.files;
/** Files read through libc.so.7, any name's bytes. */
export const libcInput: Pick<Input, "open"> = impl.input;
