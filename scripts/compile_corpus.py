#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Compiles every program of the repository's .mlir files and loads what compiles.

The compiler and the runtime must agree by construction: whatever kiln-compile accepts, the
runtime loads, and whatever it refuses, it refuses with a located error, never a crash. This
walks the given directories (test/ and examples/), splits files that lit runs with
-split-input-file at their `// -----` markers, skips chunks that expect a verifier error and
chunks without a public function or kiln.search_step (nothing to call), and for each
remaining program runs

    kiln-compile PROGRAM -o LIB    then, if it succeeded,    kiln-run LIB --list

It fails (exit 1) on a crash or hang of either tool, on a refusal without an `error:` line,
and on a library that compiled but does not load. Every outcome is counted:

    python3 scripts/compile_corpus.py --bin build/bin test examples
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

SPLIT = re.compile(r"^// -----\s*$", re.M)
ENTRY = re.compile(r"^\s*(func\.func @|kiln\.search_step @)", re.M)


def programs(roots):
    for root in roots:
        for directory, _, files in sorted(os.walk(root)):
            for name in sorted(files):
                if not name.endswith(".mlir"):
                    continue
                path = os.path.join(directory, name)
                text = open(path, encoding="utf-8", errors="replace").read()
                chunks = SPLIT.split(text) if "split-input-file" in text else [text]
                for index, chunk in enumerate(chunks):
                    if "expected-error" in chunk or not ENTRY.search(chunk):
                        continue
                    yield f"{path}#{index}" if len(chunks) > 1 else path, chunk


def run(tool, args, timeout):
    try:
        done = subprocess.run([tool] + args, capture_output=True, text=True, timeout=timeout,
                              errors="replace")
        return done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        return "timeout", ""


def check(bindir, name, chunk, workdir, timeout):
    base = os.path.join(workdir, re.sub(r"[^A-Za-z0-9]+", "_", name))
    with open(base + ".mlir", "w") as f:
        f.write(chunk)
    rc, err = run(os.path.join(bindir, "kiln-compile"),
                  [base + ".mlir", "-o", base + ".so", "--header", "none"], timeout)
    if rc == 0:
        rc, err = run(os.path.join(bindir, "kiln-run"), [base + ".so", "--list"], timeout)
        return ("loaded", "") if rc == 0 else ("LOAD FAILED", f"kiln-run exited {rc}: {err}")
    if rc == 1 and "error:" in err:
        return "rejected", ""
    return "CRASHED", f"kiln-compile exited {rc}: {err[-2000:]}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="directory of kiln-compile and kiln-run")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("roots", nargs="+")
    args = parser.parse_args()
    counts = {}
    failures = []
    with tempfile.TemporaryDirectory(prefix="kiln-corpus-") as workdir, \
            concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        jobs = {pool.submit(check, args.bin, name, chunk, workdir, args.timeout): name
                for name, chunk in programs(args.roots)}
        for job in concurrent.futures.as_completed(jobs):
            outcome, detail = job.result()
            counts[outcome] = counts.get(outcome, 0) + 1
            if detail:
                failures.append(f"{outcome}: {jobs[job]}\n{detail}")
    for failure in sorted(failures):
        print(failure)
    print(", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())))
    print(f"{counts.get('loaded', 0)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
