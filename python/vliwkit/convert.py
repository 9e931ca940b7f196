"""The Python take-home's instrs list to vliwkit's canonical text form.

A program is a list of bundles; a bundle is a dict {engine: [slot, ...]};
a slot is a tuple (op, *operands) as the take-home's KernelBuilder writes
it.  The mapping (docs/python.md):

    ("+", 10, 11, 12) on alu                    alu + 10, 11, 12
    ("compare", 7, (1, 2, "idx"))               debug compare 7, 1, 2, idx
    ("compare", 7, (1, 2, "hash_stage", 3))     debug compare 7, 1, 2, hash_stage, 3
    ("vcompare", 8, [(1, 16 + j, "val") for j in range(8)])
                                                debug vcompare 8, 1, 16, val
    ("comment", "text")                         debug comment "text"
    {"alu": []} (an engine, no slots)           nop

Slots print engine by engine in dict order, the order in which the
take-home's Machine runs them.  Every problem is a ValueError that names
the bundle and the slot.
"""
import operator

from .isa import OPS, SLOT_LIMITS, TRACE_KEYS, VLEN

ENGINES = ", ".join(OPS)


def to_vasm(instrs):
    """The canonical text of a program: one line per bundle, so line N
    holds bundle N-1."""
    if not isinstance(instrs, (list, tuple)):
        raise ValueError(f"a program is a list of bundles, not {type(instrs).__name__}")
    return "".join(bundle_text(b, bundle) + "\n" for b, bundle in enumerate(instrs))


def bundle_text(b, bundle):
    if not isinstance(bundle, dict):
        raise ValueError(f"bundle {b}: a bundle is a dict {{engine: [slots]}}, not {bundle!r}")
    slots = []
    costs_cycle = False
    for engine, engine_slots in bundle.items():
        if not isinstance(engine_slots, (list, tuple)):
            raise ValueError(f"bundle {b}, engine {engine!r}: the slots must be a list, not {engine_slots!r}")
        if engine not in OPS:
            first = f" slot 0 {engine_slots[0]!r}" if engine_slots else ""
            raise ValueError(f"bundle {b}, {engine!r}{first}: unknown engine {engine!r} (engines: {ENGINES})")
        costs_cycle |= engine != "debug"
        if len(engine_slots) > SLOT_LIMITS[engine]:
            raise ValueError(f"bundle {b}, {engine}: {len(engine_slots)} slots; "
                             f"the {engine} engine has {SLOT_LIMITS[engine]}")
        slots += [slot_text(b, engine, i, slot) for i, slot in enumerate(engine_slots)]
    if not slots:
        # The Machine charges a cycle for a bundle with an engine key and
        # none for {} or {"debug": []}; nop and a debug-only bundle do the same.
        return "nop" if costs_cycle else 'debug comment ""'
    if costs_cycle and all(s.startswith("debug ") for s in slots):
        raise ValueError(f"bundle {b}: debug slots beside an empty engine list cost a cycle in the "
                         "Python Machine, but a debug-only bundle costs none in vliwkit "
                         "(drop the empty list, or give the nop a bundle of its own)")
    return slots[0] if len(slots) == 1 else "< " + " ; ".join(slots) + " >"


def slot_text(b, engine, i, slot):
    where = f"bundle {b}, {engine} slot {i} {slot!r}"
    if not isinstance(slot, (tuple, list)) or not slot:
        raise ValueError(f"{where}: a slot is a tuple (op, *operands)")
    op = slot[0]
    kinds = OPS[engine].get(op) if isinstance(op, str) else None
    if kinds is None:
        elsewhere = [e for e in OPS if isinstance(op, str) and op in OPS[e]]
        hint = f"; {op} runs on {' and '.join(elsewhere)}" if elsewhere else ""
        raise ValueError(f"{where}: unknown {engine} op {op!r}{hint}")
    if engine == "debug":
        return debug_text(where, slot)
    if len(slot) != 1 + len(kinds):
        raise ValueError(f"{where}: {engine} {op} takes {len(kinds)} operands, got {len(slot) - 1}")
    operands = [integer(where, f"operand {k + 1}", x) for k, x in enumerate(slot[1:])]
    return f"{engine} {op}" + ("" if not operands else " " + ", ".join(map(str, operands)))


def integer(where, what, x):
    """An operand as an int; bool and float are refused (no silent 1 or 2.0)."""
    try:
        if isinstance(x, bool):
            raise TypeError
        return operator.index(x)
    except TypeError:
        raise ValueError(f"{where}: {what} is {x!r}, not an integer") from None


def debug_text(where, slot):
    op = slot[0]
    if op == "comment":
        if len(slot) != 2 or not isinstance(slot[1], str):
            raise ValueError(f"{where}: a comment is ('comment', text)")
        if any(c in slot[1] for c in "\n\r\0"):
            raise ValueError(f"{where}: a comment must stay on one line (no line break or NUL)")
        return 'debug comment "' + slot[1].replace("\\", "\\\\").replace('"', '\\"') + '"'
    if len(slot) != 3:
        shape = "(round, item, key)" if op == "compare" else f"[{VLEN} keys]"
        raise ValueError(f"{where}: debug {op} takes an address and {shape}, got {len(slot) - 1} operands")
    addr = integer(where, "operand 1", slot[1])
    if op == "compare":
        key = trace_key(where, slot[2])
    else:
        keys = slot[2]
        if not isinstance(keys, (list, tuple)) or len(keys) != VLEN or not all(
                isinstance(k, (list, tuple)) for k in keys):
            raise ValueError(f"{where}: vcompare takes a list of {VLEN} keys, lane j's key "
                             f"(round, item + j, name), as the Machine compares lane j with keys[j]")
        key = trace_key(where, keys[0])
        for lane, k in enumerate(keys):
            if trace_key(where, k) != (key[0], key[1] + lane) + key[2:]:
                raise ValueError(f"{where}: vcompare key {lane} is {tuple(k)!r}; vliwkit's vcompare "
                                 f"checks items {key[1]}..{key[1] + VLEN - 1} of one round and key, "
                                 f"so lane {lane} must be {(key[0], key[1] + lane) + key[2:]!r}")
    return f"debug {op} {addr}, " + ", ".join(map(str, key))


def trace_key(where, key):
    """(round, item, name) or (round, item, "hash_stage", K), checked."""
    if not isinstance(key, (list, tuple)) or len(key) not in (3, 4) or key[2] not in TRACE_KEYS:
        raise ValueError(f"{where}: a trace key is (round, item, name) or (round, item, 'hash_stage', K) "
                         f"with name one of {', '.join(TRACE_KEYS)}; got {key!r}")
    if len(key) != (4 if TRACE_KEYS[key[2]] else 3):
        raise ValueError(f"{where}: the key {key!r} " +
                         ("needs its stage K" if TRACE_KEYS[key[2]] else "takes no stage"))
    what = ("the key's round", "the key's item", None, "the key's stage")
    return tuple(x if n == 2 else integer(where, what[n], x) for n, x in enumerate(key))
