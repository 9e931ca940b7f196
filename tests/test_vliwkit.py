"""The Python package python/vliwkit (docs/python.md) with the built tools.

Run by tests/vliwkit.sh in make check, which sets PYTHONPATH to python/
and VLIWKIT_BINDIR to the build directory.  Expected values come from the
specs: the baseline's cycle count from WORKLOAD.md's arithmetic, the slot
mapping from the take-home's KernelBuilder conventions (docs/python.md).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import vliwkit
from vliwkit.isa import OPS, VLEN

SRCDIR = os.path.abspath(os.environ.get("top_srcdir", "."))
BINDIR = os.path.abspath(os.environ.get("top_builddir", "."))


def tool(name):
    return os.path.join(BINDIR, name)


def sh(*argv, ok=(0,)):
    r = subprocess.run(argv, capture_output=True)
    if r.returncode not in ok:
        raise AssertionError(f"{' '.join(map(str, argv))}: exit {r.returncode}: {r.stderr.decode()}")
    return r


# ---------------------------------------------------------------- the baseline
# WORKLOAD.md, "The baseline program", built the way the take-home's
# KernelBuilder builds it: one slot per bundle, debug compares in bundles of
# their own, constants loaded once in first-use order.
HASH_STAGES = [("+", 0x7ED55D16, "+", "<<", 12), ("^", 0xC761C23C, "^", ">>", 19),
               ("+", 0x165667B1, "+", "<<", 5), ("+", 0xD3A2646C, "^", "<<", 9),
               ("+", 0xFD7046C5, "+", "<<", 3), ("^", 0xB55A4F09, "^", ">>", 16)]


def baseline_instrs(rounds=16, batch=256):
    instrs, scratch, consts = [], {}, {}

    def alloc(name):
        scratch[name] = len(scratch)
        return scratch[name]

    def const(value):
        if value not in consts:
            consts[value] = alloc(f"const {value}")
            instrs.append({"load": [("const", consts[value], value)]})
        return consts[value]

    tmp1, tmp2, tmp3 = alloc("tmp1"), alloc("tmp2"), alloc("tmp3")
    header = ["rounds", "n_nodes", "batch_size", "forest_height",
              "forest_values_p", "inp_indices_p", "inp_values_p"]
    for name in header:
        alloc(name)
    for i, name in enumerate(header):
        instrs.append({"load": [("const", tmp1, i)]})
        instrs.append({"load": [("load", scratch[name], tmp1)]})
    zero, one, two = const(0), const(1), const(2)
    instrs.append({"flow": [("pause",)]})
    instrs.append({"debug": [("comment", "Starting loop")]})
    idx, val, node, addr = alloc("tmp_idx"), alloc("tmp_val"), alloc("tmp_node_val"), alloc("tmp_addr")
    body = []
    for r in range(rounds):
        for i in range(batch):
            ic = const(i)
            body += [("alu", ("+", addr, scratch["inp_indices_p"], ic)), ("load", ("load", idx, addr)),
                     ("debug", ("compare", idx, (r, i, "idx"))),
                     ("alu", ("+", addr, scratch["inp_values_p"], ic)), ("load", ("load", val, addr)),
                     ("debug", ("compare", val, (r, i, "val"))),
                     ("alu", ("+", addr, scratch["forest_values_p"], idx)), ("load", ("load", node, addr)),
                     ("debug", ("compare", node, (r, i, "node_val"))),
                     ("alu", ("^", val, val, node))]
            for stage, (op1, c, op2, shift, k) in enumerate(HASH_STAGES):
                body += [("alu", (op1, tmp1, val, const(c))), ("alu", (shift, tmp2, val, const(k))),
                         ("alu", (op2, val, tmp1, tmp2)),
                         ("debug", ("compare", val, (r, i, "hash_stage", stage)))]
            body += [("debug", ("compare", val, (r, i, "hashed_val"))),
                     ("alu", ("%", tmp1, val, two)), ("alu", ("==", tmp1, tmp1, zero)),
                     ("flow", ("select", tmp3, tmp1, one, two)),
                     ("alu", ("*", idx, idx, two)), ("alu", ("+", idx, idx, tmp3)),
                     ("debug", ("compare", idx, (r, i, "next_idx"))),
                     ("alu", ("<", tmp1, idx, scratch["n_nodes"])),
                     ("flow", ("select", idx, tmp1, idx, zero)),
                     ("debug", ("compare", idx, (r, i, "wrapped_idx"))),
                     ("alu", ("+", addr, scratch["inp_indices_p"], ic)), ("store", ("store", addr, idx)),
                     ("alu", ("+", addr, scratch["inp_values_p"], ic)), ("store", ("store", addr, val))]
    instrs += [{engine: [slot]} for engine, slot in body]
    instrs.append({"flow": [("pause",)]})
    return instrs


# header (14) and constants 0, 1, 2 (3), a pause, 259 constants, 36 bundles
# a step for 16 x 256 steps, a final pause (WORKLOAD.md)
BASELINE_CYCLES = 17 + 1 + 259 + 16 * 256 * 36 + 1


def every_op_instrs():
    """One slot of every op in the table, with valid operands, plus the
    shapes the mapping treats specially."""
    operand = {"d": 10, "D": 16, "s": 11, "S": 24, "e": 12, "f": 13, "i": -7, "t": 0, "r": -1}
    instrs = []
    for engine, ops in OPS.items():
        if engine == "debug":
            continue
        for op, kinds in ops.items():
            instrs.append({engine: [(op,) + tuple(operand[k] for k in kinds)]})
    instrs += [
        {"debug": [("comment", 'a "quoted" \\ text, it\'s'), ("compare", 7, (1, 2, "idx")),
                   ("compare", 8, (0, 3, "hash_stage", 5)),
                   ("vcompare", 16, [(2, 8 + j, "node_val") for j in range(VLEN)])]},
        {"alu": []},   # nop
        {"valu": [("*", 24, 16, 40), ("vbroadcast", 32, 10)], "alu": [("+", 10, 11, 12)],
         "load": [("const", 0, 4294967295), ("const", 1, -2147483648)], "flow": [("halt",)],
         "debug": [("comment", "")]},
    ]
    return instrs


class Base(unittest.TestCase):
    def assert_same_program(self, got, want):
        """assertEqual without unittest's diff, which takes minutes on
        200,000 bundles: the first bundle that differs."""
        if got != want:
            b = next((b for b, (g, w) in enumerate(zip(got, want)) if g != w), min(len(got), len(want)))
            self.fail(f"{len(got)} and {len(want)} bundles; first difference at bundle {b}: "
                      f"{got[b] if b < len(got) else None!r} != {want[b] if b < len(want) else None!r}")

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="test_vliwkit.")

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def path(self, name):
        return os.path.join(self.tmp, name)


class TheTableIsIsaDefs(Base):
    def test_isa_py_is_generated_from_isa_def(self):
        sys.path.insert(0, os.path.join(SRCDIR, "python"))
        import gen_isa
        with open(os.path.join(SRCDIR, "python", "vliwkit", "isa.py"), encoding="utf-8") as f:
            self.assertEqual(f.read(), gen_isa.generate(os.path.join(SRCDIR, "common")),
                             "python/vliwkit/isa.py is stale: python3 python/gen_isa.py common "
                             "> python/vliwkit/isa.py")


class RoundTrips(Base):
    SAMPLES = {"baseline": ["baseline.vasm"], "vector": ["vector.vasm"], "kernel": ["kernel.vasm"],
               "kernel-steps": ["kernel-steps.vasm"], "linear": ["linear.vasm"],
               "split": ["split/main.vasm", "split/hash.vasm"]}

    def stripped(self, name, sources):
        image = self.path(name + ".bin")
        sh(tool("vasm"), "--strip", *[os.path.join(SRCDIR, "samples", s) for s in sources], "-o", image)
        return image

    def through_python(self, image, name):
        """image -> vdis --python -> to_vasm -> vasm --strip."""
        source, out = self.path(name + ".vasm"), self.path(name + ".bin")
        with open(source, "w", encoding="utf-8") as f:
            f.write(vliwkit.to_vasm(vliwkit.from_image(image, vdis=tool("vdis"))))
        sh(tool("vasm"), "--strip", source, "-o", out)
        return out

    def engine_slots(self, image):
        """Per bundle, each engine's slots in order: what a dict keeps."""
        text = sh(tool("vdis"), "--no-names", image).stdout.decode()
        bundles = []
        for line in text.splitlines():
            slots = [s.strip() for s in line.strip("<> ").split(" ; ")]
            per_engine = {}
            for s in slots:
                per_engine.setdefault(s.split()[0], []).append(s)
            bundles.append(per_engine)
        return bundles

    def vrun(self, image):
        import json
        r = sh(tool("vrun"), "--json", "--check", image)
        result = json.loads(r.stdout)
        return result["verdict"], result["cycles"], result["mem_sha256"], result["cores"]

    def read(self, path):
        with open(path, "rb") as f:
            return f.read()

    def test_every_sample_image_survives_vdis_python_to_vasm_vasm(self):
        for name, sources in self.SAMPLES.items():
            with self.subTest(sample=name):
                first = self.stripped(name, sources)
                second = self.through_python(first, name + "-2")
                # A dict holds a bundle engine by engine: an image whose bundles
                # keep each engine's slots together comes back byte for byte;
                # one that interleaves engines comes back grouped, which is a
                # fixed point from then on, with the same slots per engine in
                # the same order and the same run to the last bit.
                self.assert_same_program(self.engine_slots(second), self.engine_slots(first))
                self.assertEqual(self.vrun(second), self.vrun(first))
                third = self.through_python(second, name + "-3")
                self.assertEqual(self.read(third), self.read(second), "not a fixed point")
                if self.read(first) != self.read(second):
                    self.assertNotEqual(sh(tool("vdis"), "--no-names", first).stdout,
                                        sh(tool("vdis"), "--no-names", second).stdout)
                    self.assertTrue(any(self.interleaved(first)), "differs, yet no bundle interleaves")

    def interleaved(self, image):
        text = sh(tool("vdis"), "--no-names", image).stdout.decode()
        for line in text.splitlines():
            engines = [s.strip().split()[0] for s in line.strip("<> ").split(" ; ")]
            runs = [e for k, e in enumerate(engines) if k == 0 or engines[k - 1] != e]
            yield len(runs) != len(set(runs))

    def test_an_image_without_interleaved_engines_comes_back_byte_identical(self):
        # the baseline (one slot a bundle) and the kernels vasm's optimizer
        # packed (engine by engine within a bundle)
        for name in ("baseline", "kernel", "linear"):
            with self.subTest(sample=name):
                first = self.stripped(name, self.SAMPLES[name])
                self.assertFalse(any(self.interleaved(first)))
                self.assertEqual(self.read(self.through_python(first, name + "-2")), self.read(first))

    def test_vdis_python_lines_are_the_repr_of_each_bundle(self):
        image = self.stripped("vector", self.SAMPLES["vector"])
        lines = sh(tool("vdis"), "--python", "--no-names", image).stdout.decode().splitlines()
        instrs = vliwkit.from_image(image, vdis=tool("vdis"))
        self.assertEqual(lines[0], "[")
        self.assertEqual(lines[-1], "]")
        self.assertEqual(lines[1:-1], [f"    {b!r}," for b in instrs])

    def test_instrs_to_vasm_vasm_from_image_gives_the_same_list(self):
        for name, instrs in (("every op", every_op_instrs()), ("baseline", baseline_instrs())):
            with self.subTest(program=name):
                image = self.path("p.bin")
                vliwkit.assemble(instrs, image, vasm=tool("vasm"))
                self.assert_same_program(vliwkit.from_image(image, vdis=tool("vdis")), instrs)

    def test_the_python_baseline_has_the_shape_of_the_baseline_sample(self):
        # Two constructions of WORKLOAD.md's baseline, one in .vasm, one
        # here: the same ops, constants and debug keys bundle for bundle
        # (their scratch layouts differ: the sample keeps constants in a table).
        def shape(instrs):
            return [[(engine, s[0], s[2] if s[0] == "const" else s[2:] if engine == "debug" else None)
                     for engine, slots in bundle.items() for s in slots] for bundle in instrs]
        image = self.stripped("baseline", self.SAMPLES["baseline"])
        self.assert_same_program(shape(vliwkit.from_image(image, vdis=tool("vdis"))), shape(baseline_instrs()))

    def test_from_vasm_takes_a_path_or_the_text(self):
        text = ".word acc\nloop:\n    alu + acc, acc, acc\n    flow cond_jump acc, loop\n"
        want = [{"alu": [("+", 0, 0, 0)]}, {"flow": [("cond_jump", 0, 0)]}]
        self.assertEqual(vliwkit.from_vasm(text, vasm=tool("vasm"), vdis=tool("vdis")), want)
        with open(self.path("p.vasm"), "w") as f:
            f.write(text)
        self.assertEqual(vliwkit.from_vasm(self.path("p.vasm"), vasm=tool("vasm"), vdis=tool("vdis")), want)


class Running(Base):
    def test_the_python_baseline_runs_in_the_baseline_cycle_count(self):
        result = vliwkit.run(baseline_instrs(), vasm=tool("vasm"), vrun=tool("vrun"))
        self.assertEqual(result["verdict"], "pass", result["check_error"])
        self.assertEqual(result["cycles"], BASELINE_CYCLES)

    def test_the_python_baseline_passes_a_checking_run_on_a_small_shape(self):
        # every compare key and both pauses checked against the reference
        result = vliwkit.run(baseline_instrs(rounds=3, batch=8), height=2, rounds=3, batch=8, seed=7,
                             check=True, vasm=tool("vasm"), vrun=tool("vrun"))
        self.assertEqual(result["verdict"], "pass", result["check_error"])
        self.assertEqual(result["cycles"], 17 + 1 + 12 + 3 + 3 * 8 * 36 + 1)

    def test_a_wrong_compare_key_fails_the_checking_run(self):
        instrs = baseline_instrs(rounds=3, batch=8)
        # round 0's items all start at the root (same idx); their values differ
        k = next(b for b, bundle in enumerate(instrs)
                 if "debug" in bundle and bundle["debug"][0][0] == "compare" and bundle["debug"][0][2][2] == "val")
        _, addr, (r, i, name) = instrs[k]["debug"][0]
        instrs[k] = {"debug": [("compare", addr, (r, i + 1, name))]}
        result = vliwkit.run(instrs, height=2, rounds=3, batch=8, seed=7, check=True,
                             vasm=tool("vasm"), vrun=tool("vrun"))
        self.assertEqual(result["verdict"], "check failed")

    def test_run_passes_trials_and_stats_to_vrun(self):
        image = os.path.join(self.tmp, "v.bin")
        sh(tool("vasm"), os.path.join(SRCDIR, "samples", "vector.vasm"), "-o", image)
        instrs = vliwkit.from_image(image, vdis=tool("vdis"))
        result = vliwkit.run(instrs, trials=2, seed=5, vasm=tool("vasm"), vrun=tool("vrun"))
        self.assertEqual((result["passed"], len(result["trials"])), (2, 2))
        result = vliwkit.run(instrs, stats=True, vasm=tool("vasm"), vrun=tool("vrun"))
        self.assertIn("stats", result)

    def test_a_fault_is_a_result(self):
        instrs = [{"load": [("const", 0, 0)]}, {"alu": [("//", 1, 1, 0)]}]
        result = vliwkit.run(instrs, vasm=tool("vasm"), vrun=tool("vrun"))
        self.assertEqual((result["verdict"], result["fault"]["kind"], result["fault"]["pc"]),
                         ("fault", "DIV_ZERO", 1))

    def test_the_command_line_runs_a_program_file(self):
        program = self.path("kernel.py")
        with open(program, "w") as f:
            f.write("instrs = [{'flow': [('halt',)]}]\n")
        env = dict(os.environ, VLIWKIT_BINDIR=BINDIR)
        r = subprocess.run([sys.executable, "-m", "vliwkit", "run", program, "--json"],
                           capture_output=True, env=env)
        self.assertEqual(r.returncode, 1, r.stderr)   # halts at once: a wrong result
        self.assertIn(b'"verdict": "wrong result"', r.stdout)
        r = subprocess.run([sys.executable, "-m", "vliwkit", "vasm", program], capture_output=True, env=env)
        self.assertEqual(r.stdout, b"flow halt\n")


class BadInput(Base):
    def assert_refused(self, instrs, *fragments):
        with self.assertRaises(ValueError) as cm:
            vliwkit.to_vasm(instrs)
        for fragment in fragments:
            self.assertIn(fragment, str(cm.exception))

    def test_an_unknown_engine_names_bundle_and_slot(self):
        self.assert_refused([{"alu": []}, {"vector": [("+", 1, 2, 3)]}],
                            "bundle 1, 'vector' slot 0 ('+', 1, 2, 3)", "unknown engine 'vector'")

    def test_an_unknown_op_names_bundle_and_slot(self):
        self.assert_refused([{"alu": [("+", 1, 2, 3), ("fma", 1, 2, 3)]}],
                            "bundle 0, alu slot 1 ('fma', 1, 2, 3)", "unknown alu op 'fma'")
        self.assert_refused([{"alu": [("vselect", 1, 2, 3, 4)]}], "vselect runs on flow")

    def test_a_wrong_operand_count_names_bundle_and_slot(self):
        self.assert_refused([{"load": [("const", 1)]}], "bundle 0, load slot 0 ('const', 1)",
                            "takes 2 operands, got 1")
        self.assert_refused([{"flow": [("halt", 0)]}], "bundle 0, flow slot 0", "takes 0 operands, got 1")

    def test_a_non_integer_operand_names_bundle_and_slot(self):
        for bad in ("5", 5.0, True, None):
            with self.subTest(operand=bad):
                self.assert_refused([{"alu": []}, {"alu": []}, {"alu": [("+", 1, bad, 3)]}],
                                    "bundle 2, alu slot 0", f"operand 2 is {bad!r}, not an integer")

    def test_debug_slots_must_have_the_takehome_shape(self):
        self.assert_refused([{"debug": [("vcompare", 8, (0, 0, "val"))]}],
                            "bundle 0, debug slot 0", f"list of {VLEN} keys")
        keys = [(0, j, "val") for j in range(VLEN)]
        keys[3] = (0, 9, "val")
        self.assert_refused([{"debug": [("vcompare", 8, keys)]}], "lane 3 must be (0, 3, 'val')")
        self.assert_refused([{"debug": [("compare", 8, (0, 0, "hash_stage"))]}], "needs its stage K")
        self.assert_refused([{"debug": [("compare", 8, (0, 0, "value"))]}], "a trace key is")
        self.assert_refused([{"debug": [("comment", "two\nlines")]}], "one line")

    def test_a_bundle_must_be_a_dict_of_slot_lists(self):
        self.assert_refused([[("+", 1, 2, 3)]], "bundle 0: a bundle is a dict")
        self.assert_refused([{"alu": ("+", 1, 2, 3)}], "bundle 0, alu slot 0 '+'")
        self.assert_refused([{"load": [("const", 1, 2)] * 3}], "bundle 0, load: 3 slots")
        self.assert_refused([{"alu": [], "debug": [("comment", "x")]}], "bundle 0: debug slots beside")

    def test_what_vasm_refuses_is_a_value_error_by_bundle(self):
        with self.assertRaises(ValueError) as cm:
            vliwkit.assemble([{"alu": []}, {"alu": [("+", 1, 2, 5000)]}], self.path("p.bin"), vasm=tool("vasm"))
        self.assertIn("bundle 1: error: scratch address 5000 is outside scratch", str(cm.exception))
        self.assertFalse(os.path.exists(self.path("p.bin")))

    def test_a_missing_tool_is_named(self):
        with self.assertRaises(vliwkit.ToolError) as cm:
            vliwkit.run([{"alu": []}], vasm=tool("vasm"), vrun=self.path("no-vrun"))
        self.assertIn("no-vrun", str(cm.exception))
        old = os.environ.get("VLIWKIT_BINDIR")
        os.environ["VLIWKIT_BINDIR"] = self.tmp
        try:
            with self.assertRaises(vliwkit.ToolError) as cm:
                vliwkit.from_image(self.path("k.bin"))
            self.assertIn("vdis not found in VLIWKIT_BINDIR", str(cm.exception))
        finally:
            if old is None:
                del os.environ["VLIWKIT_BINDIR"]
            else:
                os.environ["VLIWKIT_BINDIR"] = old


class Installing(Base):
    def test_pip_installs_the_package_offline(self):
        # as docs/python.md says: a venv, then pip install ./python, no index
        venv = self.path("venv")
        r = subprocess.run([sys.executable, "-m", "venv", venv], capture_output=True)
        if r.returncode != 0:
            self.skipTest("python3 -m venv does not work here (Debian: apt-get install python3-venv): "
                          + r.stderr.decode().strip().splitlines()[-1])
        source = self.path("python")   # a copy: the source tree may be read-only
        shutil.copytree(os.path.join(SRCDIR, "python"), source)
        env = dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        env.pop("PYTHONPATH", None)
        python = os.path.join(venv, "bin", "python")
        sh(python, "-m", "pip", "install", "--quiet", source)
        program = self.path("p.py")
        with open(program, "w") as f:
            f.write("[{'flow': [('halt',)]}]\n")
        r = subprocess.run([os.path.join(venv, "bin", "vliwkit"), "vasm", program],
                           capture_output=True, env=env, cwd=self.tmp)
        self.assertEqual((r.returncode, r.stdout), (0, b"flow halt\n"), r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
