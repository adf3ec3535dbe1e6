#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Compares the link graph CMake wrote (build/dependencies.txt) with the one docs/architecture.md
documents (its ```text dependencies block). Exits 1 and lists every edge that is in one and
not the other, so the page cannot drift from the build. A documented line ending in
"(optional)" is a target some builds lack (libkiln_runtime_cuda without the CUDA toolkit);
where the build has it, its edges must still match."""
import re
import sys


def parse(lines, optional=None):
    graph = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("(optional)"):
            line = line[: -len("(optional)")].strip()
            if optional is not None:
                optional.add(line.partition("->")[0].strip())
        target, _, deps = line.partition("->")
        graph[target.strip()] = set(deps.split())
    return graph


def main(built_path, doc_path):
    built = parse(open(built_path).read().splitlines())
    doc = open(doc_path).read()
    block = re.search(r"```text dependencies\n(.*?)```", doc, re.S)
    if not block:
        print(f"{doc_path}: no ```text dependencies block")
        return 1
    optional = set()
    documented = parse(block.group(1).splitlines(), optional)
    problems = []
    for target in sorted(set(built) | set(documented)):
        have, said = built.get(target), documented.get(target)
        if have is None and target in optional:
            continue
        if have is None:
            problems.append(f"{target}: documented, but not a target of the build")
        elif said is None:
            problems.append(f"{target}: a target of the build, missing from the page")
        else:
            for dep in sorted(have - said):
                problems.append(f"{target} links {dep}, which the page does not show")
            for dep in sorted(said - have):
                problems.append(f"{target} -> {dep} is on the page, but not linked")
    for problem in problems:
        print(f"{doc_path}: {problem}")
    if not problems:
        print(f"{len(built)} targets, dependencies as documented")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
