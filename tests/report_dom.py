#!/usr/bin/env python3
"""Checks the DOM of a vrun --report page as headless Chromium built it
(--dump-dom), against what vrun itself says about the run.

usage: report_dom.py DOM CYCLES CYCLE TRACE

DOM     the page's DOM after its scripts ran (opened at #cycle=CYCLE)
CYCLES  the run's cycle count (vrun --json)
CYCLE   the cycle the page was opened at
TRACE   vrun's Chrome trace of that cycle alone (--trace --trace-cycles C:C)

Checks, printing the first failure and exiting 1:
- the utilization chart is an SVG with one bar per engine and bucket, the
  buckets being those docs/vrun.md defines: ceil(CYCLES / 120) cycles each;
- the grid has a row for CYCLE showing core 0's bundle of that cycle (the pc
  the trace ran) and exactly the trace's slots: each cell's text and source
  line, as the hover shows them.
"""
import html.parser
import json
import sys

ENGINES = ["alu", "valu", "load", "store", "flow"]
MAX_BUCKETS = 120


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.svg = None
        self.in_chart = False
        self.bars = []
        self.rows = {}
        self.row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and a.get("id") == "chart":
            self.svg = a
            self.in_chart = True
        elif tag == "rect" and self.in_chart and a.get("class") == "bar":
            self.bars.append((a.get("data-engine"), int(a.get("data-bucket"))))
        elif tag == "div" and "data-cycle" in a:
            self.row = {"pc": int(a["data-pc"]), "cells": []}
            self.rows[int(a["data-cycle"])] = self.row
        elif tag == "span" and self.row is not None and a.get("class") == "s":
            self.row["cells"].append(a.get("title", ""))

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_chart = False
        elif tag == "div":
            self.row = None


def fail(why):
    print("FAIL: " + why)
    sys.exit(1)


def main():
    dom_file, cycles, cycle, trace_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    dom = Dom()
    with open(dom_file, encoding="utf-8") as f:
        dom.feed(f.read())

    if dom.svg is None:
        fail("no <svg id=chart>")
    size = max(1, -(-cycles // MAX_BUCKETS))
    buckets = -(-cycles // size)
    if int(dom.svg.get("data-buckets", -1)) != buckets:
        fail("chart has %s buckets, want %d" % (dom.svg.get("data-buckets"), buckets))
    want_bars = sorted((e, b) for e in ENGINES for b in range(buckets))
    if sorted(dom.bars) != want_bars:
        fail("chart has %d bars, want one per engine and bucket: %d" % (len(dom.bars), len(want_bars)))

    with open(trace_file, encoding="utf-8") as f:
        events = [e for e in json.load(f)["traceEvents"]
                  if e.get("ph") == "X" and e.get("pid") == 0 and e.get("ts") == cycle]
    if not events:
        fail("the trace has no slot at cycle %d" % cycle)
    # "valu + 16, 16, 24  (vals[0], ...)": the canonical text ends at the names
    want = sorted(e["args"]["slot"].split("  (")[0] + "\n" + e["args"].get("source", "")
                  for e in events)
    pcs = {e["args"]["pc"] for e in events}
    row = dom.rows.get(cycle)
    if row is None:
        fail("the grid shows no row for cycle %d (rows: %s)" % (cycle, sorted(dom.rows)[:5]))
    if {row["pc"]} != pcs:
        fail("cycle %d: the grid shows pc %d, the trace ran %s" % (cycle, row["pc"], sorted(pcs)))
    got = sorted(row["cells"])
    if got != want:
        fail("cycle %d: the grid's slots\n  %s\ndiffer from the trace's\n  %s" % (cycle, got, want))
    print("ok: %d bars in %d buckets; cycle %d shows pc %d with its %d slots"
          % (len(dom.bars), buckets, cycle, row["pc"], len(got)))


main()
