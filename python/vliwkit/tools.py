"""vliwkit's programs (vasm, vdis, vrun) run on instrs lists.

A tool is the path given by the caller (vasm=..., vdis=..., vrun=...),
else the one in $VLIWKIT_BINDIR, else the one on PATH.  A missing or
failing tool raises ToolError; a program vasm rejects raises ValueError
with vasm's messages, located by bundle.
"""
import ast
import json
import os
import re
import shutil
import subprocess
import tempfile

from .convert import to_vasm


class ToolError(RuntimeError):
    """A vliwkit tool is missing, or failed for a reason other than the program."""


def find_tool(name, given=None):
    """The path of tool name: given, or $VLIWKIT_BINDIR/name, or on PATH."""
    if given is not None:
        path = shutil.which(os.fspath(given))
        if path is None:
            raise ToolError(f"{name}: {os.fspath(given)!r} is not an executable file")
        return path
    bindir = os.environ.get("VLIWKIT_BINDIR")
    path = shutil.which(name, path=bindir) if bindir else shutil.which(name)
    if path is None:
        where = f"in VLIWKIT_BINDIR={bindir}" if bindir else "on PATH"
        raise ToolError(f"{name} not found {where}: install vliwkit (make install), set "
                        f"VLIWKIT_BINDIR to the directory holding its tools, or pass {name}='/path/to/{name}'")
    return path


def _run(argv):
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True)


def _text(data):
    # comment texts are bytes in an image; keep any that are not UTF-8
    return data.decode("utf-8", "surrogateescape")


def _write_source(path, text):
    with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)


def _vasm_errors(stderr, source):
    """vasm's diagnostics on to_vasm's text, by bundle (line N is bundle N-1)."""
    located = re.compile(re.escape(source) + r":(\d+):\d+: (error|warning|note): (.*)")
    lines = []
    for line in _text(stderr).splitlines():
        m = located.match(line)
        if m:
            lines.append(f"bundle {int(m.group(1)) - 1}: {m.group(2)}: {m.group(3)}")
        elif not line.startswith(" "):   # not a quoted source line or caret
            lines.append(line)
    return "\n".join(lines)


def assemble(instrs, out, *, vasm=None):
    """Assembles an instrs list into the image file out (stripped: the
    code alone, bundle i of the image is instrs[i])."""
    vasm = find_tool("vasm", vasm)
    text = to_vasm(instrs)
    with tempfile.TemporaryDirectory(prefix="vliwkit.") as tmp:
        source = os.path.join(tmp, "instrs.vasm")
        _write_source(source, text)
        r = _run([vasm, "--strip", "-o", os.fspath(out), "--", source])
        if r.returncode == 1:
            raise ValueError("vasm rejected the program:\n" + _vasm_errors(r.stderr, source))
        if r.returncode != 0:
            raise ToolError(f"vasm failed (exit {r.returncode}): {_text(r.stderr).strip()}")


def from_image(path, *, vdis=None):
    """The instrs list of an executable image, through vdis --python."""
    vdis = find_tool("vdis", vdis)
    r = _run([vdis, "--python", "--no-names", "--", os.fspath(path)])
    if r.returncode != 0:
        raise ToolError(f"vdis failed (exit {r.returncode}): {_text(r.stderr).strip()}")
    return parse_python_form(_text(r.stdout))


def parse_python_form(text):
    """vdis --python's output as a list.  Each bundle is on a line of its
    own, and programs repeat bundles (every round the same code), so each
    distinct line is evaluated once: 10x faster than one literal_eval."""
    lines = text.splitlines()
    if not lines or lines[0] != "[" or lines[-1] != "]":
        raise ToolError("vdis --python printed no list")
    seen = {}
    instrs = []
    for line in lines[1:-1]:
        line = line.strip()
        if line.startswith("#"):
            continue
        bundle = seen.get(line)
        if bundle is None:
            bundle = seen[line] = ast.literal_eval(line.rstrip(","))
        # a fresh dict and lists per bundle: the caller may edit one bundle
        instrs.append({engine: [s if s[0] != "vcompare" else (s[0], s[1], list(s[2])) for s in slots]
                       for engine, slots in bundle.items()})
    return instrs


def from_vasm(source, *, vasm=None, vdis=None):
    """The instrs list of a vliwkit program: source is a .vasm file (a path,
    or a str naming an existing file and holding no line break) or the
    program's text itself, in the full assembly language."""
    vasm = find_tool("vasm", vasm)
    is_path = isinstance(source, os.PathLike) or ("\n" not in source and os.path.isfile(source))
    with tempfile.TemporaryDirectory(prefix="vliwkit.") as tmp:
        if not is_path:
            text, source = source, os.path.join(tmp, "source.vasm")
            _write_source(source, text)
        image = os.path.join(tmp, "program.bin")
        r = _run([vasm, "-o", image, "--", os.fspath(source)])
        if r.returncode == 1:
            raise ValueError("vasm rejected the program:\n" + _text(r.stderr).rstrip())
        if r.returncode != 0:
            raise ToolError(f"vasm failed (exit {r.returncode}): {_text(r.stderr).strip()}")
        return from_image(image, vdis=vdis)


def run(instrs, *, seed=None, height=None, rounds=None, batch=None, trials=None, check=False,
        trace=None, stats=False, cores=None, max_cycles=None, vasm=None, vrun=None):
    """Runs an instrs list on vrun's workload and returns vrun's --json
    result as a dict (docs/vrun.md): "verdict", "cycles", ... A wrong
    result or a fault is a result, not an exception; look at "verdict".

    trace: True writes trace.json, a path writes that file (a Chrome trace).
    """
    vrun = find_tool("vrun", vrun)
    options = [("--seed", seed), ("--height", height), ("--rounds", rounds), ("--batch", batch),
               ("--trials", trials), ("--cores", cores), ("--max-cycles", max_cycles)]
    argv = [vrun, "--json"]
    for flag, value in options:
        if value is not None:
            argv.append(f"{flag}={int(value)}")
    if check:
        argv.append("--check")
    if stats:
        argv.append("--stats")
    if trace is True:
        argv.append("--trace")
    elif trace:
        argv.append(f"--trace={os.fspath(trace)}")
    with tempfile.TemporaryDirectory(prefix="vliwkit.") as tmp:
        image = os.path.join(tmp, "instrs.bin")
        assemble(instrs, image, vasm=vasm)
        r = _run(argv + ["--", image])
    # 0 pass, 1 wrong result or failed check, 3 fault: all carry a result
    if r.returncode in (0, 1, 3):
        try:
            return json.loads(_text(r.stdout))
        except ValueError:
            pass
    raise ToolError(f"vrun failed (exit {r.returncode}): {_text(r.stderr).strip()}")
