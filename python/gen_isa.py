"""Writes vliwkit/isa.py, the Python copy of the ISA table, from
common/isa.def and common/isa.h (the one source of truth).

    python3 python/gen_isa.py common > python/vliwkit/isa.py

make check runs it again and fails when the checked-in file is stale.
"""
import re
import sys


def generate(common_dir):
    with open(f"{common_dir}/isa.def", encoding="utf-8") as f:
        table = f.read()
    with open(f"{common_dir}/isa.h", encoding="utf-8") as f:
        header = f.read()
    # only the expansions, not the #define lines that default the macros
    table = "\n".join(line for line in table.splitlines() if line.startswith("ISA_"))
    engines = re.findall(r'ISA_ENGINE\(\s*\w+,\s*"([^"]+)",\s*(\d+),\s*(\d+)\)', table)
    binops = re.findall(r'ISA_BINOP\(\s*\w+,\s*"([^"]+)"\)', table)
    ops = re.findall(r'ISA_OP\(\s*\w+,\s*(\w+),\s*"([^"]+)",\s*"([^"]*)"[,)]', table)
    keys = re.findall(r'ISA_TRACE_KEY\(\s*\w+,\s*"([^"]+)",\s*(\d)\)', table)
    vlen = re.search(r"#define ISA_VLEN (\d+)", header).group(1)
    if not (engines and binops and ops and keys):
        raise SystemExit("gen_isa.py: isa.def no longer has the shape this script reads")

    out = [
        '"""The machine\'s instruction set (ISA.md), generated from common/isa.def',
        'by python/gen_isa.py: do not edit.  Operand kinds are isa.def\'s."""',
        "",
        f"VLEN = {vlen}",
        "",
        "# engine: slots per bundle",
        "SLOT_LIMITS = {" + ", ".join(f'"{n}": {s}' for n, s, _ in engines) + "}",
        "",
        "# engine: {op: operand kinds}; every binop is an alu \"dss\" and a valu \"DSS\"",
        "OPS = {",
    ]
    per_engine = {name: [] for name, _, _ in engines}
    per_engine["alu"] += [(m, "dss") for m in binops]
    per_engine["valu"] += [(m, "DSS") for m in binops]
    for engine, mnemonic, kinds in ops:
        per_engine[engine.lower()].append((mnemonic, kinds))
    for name, entries in per_engine.items():
        out.append(f'    "{name}": {{')
        out += [f'        "{m}": "{k}",' for m, k in entries]
        out.append("    },")
    out += [
        "}",
        "",
        "# trace key: whether a stage K follows it",
        "TRACE_KEYS = {" + ", ".join(f'"{n}": {bool(int(t))}' for n, t in keys) + "}",
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(generate(sys.argv[1] if len(sys.argv) > 1 else "common"))
