#!/usr/bin/env python3
"""Replay an asciicast v2 file through pyte (a VT100 emulator) and print the screen at the
end, or at the last event at or before --at SECONDS. Used by tests/training.rs to check the
recordings with a terminal emulator that is not drconsole's own code."""
import json
import sys

import pyte


def main():
    path = sys.argv[1]
    at = float(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--at" else None
    with open(path, encoding="utf-8") as f:
        header = json.loads(f.readline())
        screen = pyte.Screen(header["width"], header["height"])
        stream = pyte.Stream(screen)
        for line in f:
            t, kind, data = json.loads(line)
            if at is not None and t > at:
                break
            if kind == "o":
                stream.feed(data)
            elif kind == "r":
                cols, rows = data.split("x")
                screen.resize(int(rows), int(cols))
    for row in screen.display:
        print(row.rstrip())


if __name__ == "__main__":
    main()
