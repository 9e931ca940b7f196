"""python -m vliwkit (or the vliwkit command): a take-home program to
vliwkit.

    vliwkit run PROGRAM [VRUN OPTIONS...]   assemble it and run it on vrun
    vliwkit vasm PROGRAM                    print it in vliwkit's text form

PROGRAM is a Python file that holds the instrs list as a literal (what
vdis --python prints) or a script that sets a global named instrs.
"""
import ast
import os
import runpy
import subprocess
import sys
import tempfile

from . import ToolError, assemble, find_tool, to_vasm


def load_program(path):
    """The instrs list in a Python file: a literal list, or a script's
    global instrs."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        instrs = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        instrs = runpy.run_path(path, run_name="__vliwkit__").get("instrs")
        if instrs is None:
            raise ValueError(f"{path}: neither a literal list nor a script that sets instrs")
    return instrs


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 2 or argv[0] not in ("run", "vasm") or (argv[0] == "vasm" and len(argv) != 2):
        sys.stderr.write("usage:\n" + __doc__.split("\n\n")[1] + "\n")
        return 2
    try:
        instrs = load_program(argv[1])
        if argv[0] == "vasm":
            sys.stdout.write(to_vasm(instrs))
            return 0
        vrun = find_tool("vrun")
        with tempfile.TemporaryDirectory(prefix="vliwkit.") as tmp:
            image = os.path.join(tmp, os.path.splitext(os.path.basename(argv[1]))[0] + ".bin")
            assemble(instrs, image)
            return subprocess.run([vrun] + argv[2:] + ["--", image]).returncode
    except (OSError, ValueError, ToolError) as e:
        sys.stderr.write(f"vliwkit: error: {e}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
