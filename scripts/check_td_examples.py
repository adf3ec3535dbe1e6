#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks that every ```mlir example in the dialects' .td descriptions parses and round-trips.

Examples are fragments: they use values (%p, %g) that they do not define. Each one is placed
in a graph region (an unregistered op's, where uses may precede definitions) followed by a
definition of every value it uses but does not define; the type each definition needs is
read from kiln-opt's own complaint and the fragment parsed again. The parsed fragment is then
printed in the generic form and parsed once more (the round trip). Verification is off: a
fragment cannot hold the @loss a kiln.train_step refers to; the parser still checks every
op's syntax, attribute names and types.

usage: check_td_examples.py KILN_OPT TD_FILE...
"""
import re
import subprocess
import sys

FENCE = re.compile(r"```mlir\n(.*?)```", re.S)
USE = re.compile(r"%([A-Za-z_][\w$.]*|\d+)(?:#\d+)?")
DEF = re.compile(r"^\s*((?:%[\w$.]+(?::\d+)?\s*,\s*)*%[\w$.]+(?::\d+)?)\s*=", re.M)
MISMATCH = re.compile(r"definition of SSA value '%([\w$.]+)#0' has type '[^']*'")
PREVIOUS = re.compile(r"previously used here with type '(.*)'")
MODULE_LEVEL = ("kiln.train_step", "kiln.search_step", "func.func", "module")
NO_VERIFY = "--mlir-very-unsafe-disable-verifier-on-parsing"


def strip_comments(text):
    return "\n".join(line.split("//")[0] for line in text.splitlines())


def undefined_values(text):
    code = strip_comments(text)
    defined = set()
    for m in DEF.finditer(code):
        for name in re.findall(r"%([\w$.]+)", m.group(1)):
            defined.add(name)
    # Block arguments and region arguments (^bb0(%x: ...)) are definitions too.
    for m in re.finditer(r"\^\w+\(([^)]*)\)", code):
        defined.update(re.findall(r"%([\w$.]+)", m.group(1)))
    used = []
    for m in USE.finditer(code):
        name = m.group(1)
        if name not in defined and name not in used:
            used.append(name)
    return used


def run(kiln_opt, text, *flags):
    return subprocess.run([kiln_opt, NO_VERIFY, *flags, "-"], input=text, capture_output=True,
                          text=True)


def check(kiln_opt, snippet):
    """Returns None when the snippet parses and round-trips, else the error text."""
    if snippet.lstrip().startswith("#"):
        # Attributes, one per line that starts one: each as an attribute of an op.
        attrs = re.split(r"\n(?=#)", snippet.strip())
        program = "".join(f'"kiln_doc.attr"() {{value = {a}}} : () -> ()\n' for a in attrs)
    elif snippet.lstrip().startswith(MODULE_LEVEL):
        program = snippet
    else:
        types = {name: "i1" for name in undefined_values(snippet)}
        for _ in range(len(types) + 1):
            defs = "".join(f'  %{n} = "kiln_doc.value"() : () -> {t}\n' for n, t in types.items())
            program = '"kiln_doc.graph"() ({\n' + snippet + defs + "}) : () -> ()\n"
            result = run(kiln_opt, program, "--allow-unregistered-dialect")
            mismatch = MISMATCH.search(result.stderr)
            previous = PREVIOUS.search(result.stderr)
            if result.returncode == 0 or not (mismatch and previous):
                break
            types[mismatch.group(1)] = previous.group(1)
    first = run(kiln_opt, program, "--allow-unregistered-dialect", "--mlir-print-op-generic")
    if first.returncode != 0:
        return first.stderr
    second = run(kiln_opt, first.stdout, "--allow-unregistered-dialect")
    if second.returncode != 0:
        return "the generic form does not parse back:\n" + second.stderr
    return None


def main():
    kiln_opt, paths = sys.argv[1], sys.argv[2:]
    failures = count = 0
    for path in paths:
        text = open(path).read()
        if text.count("```") % 2:
            print(f"{path}: an unclosed ``` fence")
            failures += 1
        for m in FENCE.finditer(text):
            count += 1
            line = text.count("\n", 0, m.start()) + 1
            snippet = "\n".join(l.strip() for l in m.group(1).splitlines()) + "\n"
            error = check(kiln_opt, snippet)
            if error:
                failures += 1
                print(f"{path}:{line}: the example does not parse:\n{snippet}{error}")
    print(f"{count} examples, {failures} failing")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
