"""vliwkit for users of the Python take-home (docs/python.md).

The take-home's program is a list of bundles, each a dict
{engine: [(op, *operands), ...]}.  This package moves such a list to and
from vliwkit and runs it on vrun:

    import vliwkit
    result = vliwkit.run(kb.instrs)          # vrun --json, as a dict
    print(result["verdict"], result["cycles"])
    text = vliwkit.to_vasm(kb.instrs)        # vliwkit's canonical text
    instrs = vliwkit.from_image("k.bin")     # back, through vdis --python

Standard library only; the tools (vasm, vdis, vrun) come from vliwkit.
"""
from .convert import to_vasm
from .tools import ToolError, assemble, find_tool, from_image, from_vasm, run

__all__ = ["to_vasm", "from_vasm", "from_image", "assemble", "run", "find_tool", "ToolError"]
__version__ = "0.1.0"
