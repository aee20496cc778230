/**
 * Run as a script by ticker_test.ts: leaves a SIGALRM pending on the main
 * thread (blocked there, as a server's wake-up can be pending on a worker
 * thread that has not run yet), stops the ticker, unblocks. The process
 * must live on and print "alive".
 */
import { startTicker } from "../../../ffi/posix/ticker.ts";
import { getpid, libc } from "../../../ffi/libc/posix.ts";
import { linux } from "../../../ffi/libc/linux.ts";
import { HOST_SYSCALLS } from "../../../ffi/linux/seccomp_notify.ts";
import { proc } from "../../../ffi/runtime/process.ts";

const SIG_BLOCK = 0;
const SIG_UNBLOCK = 1;
const SIGALRM = 14;
const alrm = new Uint8Array(new ArrayBuffer(128));
alrm[(SIGALRM - 1) >> 3] = 1 << ((SIGALRM - 1) & 7);

const tid = linux.gettid();
const ticker = startTicker(1000, tid);
libc.pthread_sigmask(SIG_BLOCK, alrm, 0);
linux.syscall3(HOST_SYSCALLS[proc.arch]!.tgkill, getpid(), tid, SIGALRM);
ticker.stop();
libc.pthread_sigmask(SIG_UNBLOCK, alrm, 0);
console.log("alive");
