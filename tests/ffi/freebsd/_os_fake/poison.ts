/**
 * Stands in for every Linux-only module in module_graph_test.ts: loading
 * it on "FreeBSD" is the failure the test looks for.
 */

throw new Error("a Linux-only module was loaded on FreeBSD");
