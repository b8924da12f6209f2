#!/usr/bin/env python3
"""Reads a `cargo build --timings` HTML report and prints, as key=value lines,
how long the units of one package took:

    timings.py cargo-timing-XXXX.html PACKAGE
    lib_s=812.3
    lib_frontend_s=120.5
    lib_codegen_s=691.8
    bin_s=41.0
    build_script_s=0.9

Standard library only. The report embeds `const UNIT_DATA = [...]` (JSON);
each unit has a name, a target ("" or " lib" for the library, " x \\"bin\\""
for a binary, " build-script", " build-script (run)"), a duration in seconds
and, for rustc units, "sections" (frontend and codegen spans).
"""

import json
import re
import sys


def main(path, package):
    text = open(path, encoding="utf-8").read()
    m = re.search(r"const UNIT_DATA = (\[.*?\]);\s*$", text, re.S | re.M)
    if not m:
        return
    units = json.loads(m.group(1))
    sums = {}
    for unit in units:
        if unit.get("name") != package:
            continue
        target = unit.get("target", "").strip()
        if "build-script" in target:
            key = "build_script_s"
        elif "bin" in target:
            key = "bin_s"
        else:
            key = "lib_s"
        sums[key] = sums.get(key, 0.0) + float(unit.get("duration", 0.0))
        if key == "lib_s":
            for name, span in unit.get("sections") or []:
                k = f"lib_{name}_s"
                sums[k] = sums.get(k, 0.0) + float(span["end"]) - float(span["start"])
    for key in ("lib_s", "lib_frontend_s", "lib_codegen_s", "bin_s", "build_script_s"):
        if key in sums:
            print(f"{key}={sums[key]:.1f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
