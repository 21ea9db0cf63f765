"""Summarise a py-spy "raw" (collapsed stacks) profile: where a gunicorn worker spends its time.

    py-spy record -p WORKER_PID -d 10 -r 200 -f raw -o /tmp/x.raw
    python bench/profile_summary.py /tmp/x.raw [--top 30] [--match govplus]

Prints the functions with the largest inclusive share of samples (time spent in them or anything they
call) and the largest self share. Idle samples (the worker waiting in accept/select) are counted
separately so the percentages are of busy time. `--match` keeps only frames whose text contains the
string in the inclusive table (e.g. `govplus` to see the product's own functions).
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

IDLE = re.compile(r"\b(select|accept|wait_for_readable|sleep|poll)\b.*\((selectors|socket|gunicorn/workers)")
FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def short(frame: str) -> str:
    match = FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "src/", "lib/python3."):
        if marker in path:
            path = path.split(marker, 1)[1]
            if marker == "lib/python3.":
                path = "stdlib:" + path.split("/", 1)[-1]
            break
    return f"{match['func']} ({path})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--match", default="")
    args = parser.parse_args()
    inclusive: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    busy = idle = 0
    with open(args.raw, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            stack, _, count_text = line.rstrip("\n").rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            frames = [short(f) for f in stack.split(";") if f]
            leaf = stack.split(";")[-1]
            if IDLE.search(leaf) and not any("handle_request" in f for f in frames):
                idle += count
                continue
            busy += count
            for frame in set(frames):
                inclusive[frame] += count
            self_time[frames[-1]] += count
    total = busy or 1
    print(f"samples: busy {busy}, idle {idle} (busy {100 * busy / max(1, busy + idle):.0f}% of the worker's time)")
    print(f"\n{'incl%':>6}  function (inclusive: itself and what it calls)")
    shown = 0
    for frame, count in inclusive.most_common():
        if args.match and args.match not in frame:
            continue
        print(f"{100 * count / total:6.1f}  {frame}")
        shown += 1
        if shown >= args.top:
            break
    print(f"\n{'self%':>6}  function (self: the innermost frame)")
    for frame, count in self_time.most_common(args.top):
        print(f"{100 * count / total:6.1f}  {frame}")


if __name__ == "__main__":
    main()
