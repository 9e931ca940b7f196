"""The machine's instruction set (ISA.md), generated from common/isa.def
by python/gen_isa.py: do not edit.  Operand kinds are isa.def's."""

VLEN = 8

# engine: slots per bundle
SLOT_LIMITS = {"alu": 12, "valu": 6, "load": 2, "store": 2, "flow": 1, "debug": 64}

# engine: {op: operand kinds}; every binop is an alu "dss" and a valu "DSS"
OPS = {
    "alu": {
        "+": "dss",
        "-": "dss",
        "*": "dss",
        "//": "dss",
        "cdiv": "dss",
        "^": "dss",
        "&": "dss",
        "|": "dss",
        "<<": "dss",
        ">>": "dss",
        "%": "dss",
        "<": "dss",
        "==": "dss",
    },
    "valu": {
        "+": "DSS",
        "-": "DSS",
        "*": "DSS",
        "//": "DSS",
        "cdiv": "DSS",
        "^": "DSS",
        "&": "DSS",
        "|": "DSS",
        "<<": "DSS",
        ">>": "DSS",
        "%": "DSS",
        "<": "DSS",
        "==": "DSS",
        "vbroadcast": "Ds",
        "multiply_add": "DSSS",
    },
    "load": {
        "load": "ds",
        "load_offset": "efi",
        "vload": "Ds",
        "const": "di",
    },
    "store": {
        "store": "ss",
        "vstore": "sS",
    },
    "flow": {
        "select": "dsss",
        "vselect": "DSSS",
        "add_imm": "dsi",
        "halt": "",
        "pause": "",
        "trace_write": "s",
        "cond_jump": "st",
        "cond_jump_rel": "sr",
        "jump": "t",
        "jump_indirect": "s",
        "coreid": "d",
    },
    "debug": {
        "comment": "c",
        "compare": "snnkK",
        "vcompare": "SnnkK",
    },
}

# trace key: whether a stage K follows it
TRACE_KEYS = {"idx": False, "val": False, "node_val": False, "hash_stage": True, "hashed_val": False, "next_idx": False, "wrapped_idx": False}
