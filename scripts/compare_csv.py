#!/usr/bin/env python3
"""Do two CSV answers of RenewalGIS agree? (scripts/backends_check.sh, scripts/bench_postgis.sh)

    python3 compare_csv.py LABEL A.csv B.csv [--tolerance 1e-9]

Same header, same number of rows, and row for row the same text; a column whose every value (in both
files) reads as a number, none with a leading zero, is compared as numbers instead: |a - b| <= tolerance, the tolerance scaled by
|a| for magnitudes above 1 (areas in m² carry 1e-12 relative noise between two geometry engines). Rows
are paired after sorting both files on their text columns, then their numbers, so an answer written in
another order still pairs up; whether the order itself was the same is reported too.
Prints one line, "OK LABEL: …" or "DIFFER LABEL: …" with the counts, and exits 1 when they differ.
Standard library only.
"""
import argparse
import csv
import math
import sys

parser = argparse.ArgumentParser()
parser.add_argument("label")
parser.add_argument("a")
parser.add_argument("b")
parser.add_argument("--tolerance", type=float, default=1e-9)
args = parser.parse_args()


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return (rows[0], rows[1:]) if rows else ([], [])


def number(text):
    # A code such as 080701 (用地用海, leading zero) is text, as the importer reads it.
    if len(text) > 1 and text.lstrip("+-").startswith("0") and not text.lstrip("+-").startswith("0."):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


header_a, rows_a = read(args.a)
header_b, rows_b = read(args.b)
if header_a != header_b:
    print(f"DIFFER {args.label}: headers differ: {header_a} vs {header_b}")
    sys.exit(1)

width = len(header_a)
ragged = [r for r in rows_a + rows_b if len(r) != width]
if ragged:
    print(f"DIFFER {args.label}: {len(ragged)} rows without {width} cells")
    sys.exit(1)

# A column is numeric when every non-empty cell of both files is a number.
numeric = [all(r[i] == "" or number(r[i]) is not None for r in rows_a + rows_b) for i in range(width)]


def sort_key(row):
    text = tuple(row[i] for i in range(width) if not numeric[i])
    values = tuple(number(row[i]) if row[i] != "" else -math.inf for i in range(width) if numeric[i])
    return text, values


same_order = [sort_key(r)[0] for r in rows_a] == [sort_key(r)[0] for r in rows_b]
sorted_a, sorted_b = sorted(rows_a, key=sort_key), sorted(rows_b, key=sort_key)

differing, largest, worst = 0, 0.0, None
for ra, rb in zip(sorted_a, sorted_b):
    bad = False
    for i in range(width):
        if not numeric[i] or ra[i] == "" or rb[i] == "":
            bad |= ra[i] != rb[i]
            continue
        x, y = number(ra[i]), number(rb[i])
        delta = abs(x - y)
        if delta > largest:
            largest, worst = delta, (header_a[i], ra, rb)
        bad |= delta > args.tolerance * max(1.0, abs(x), abs(y))
    differing += bad

columns = ",".join(h for h, n in zip(header_a, numeric) if n) or "none"
summary = (f"{len(rows_a)} vs {len(rows_b)} rows, {differing} differing, numeric columns {columns}, "
           f"max Δ {largest:.3g}, {'same' if same_order else 'different'} row order")
if len(rows_a) != len(rows_b) or differing:
    print(f"DIFFER {args.label}: {summary}")
    if worst and largest > 0:
        print(f"  largest difference in {worst[0]}: {worst[1]} vs {worst[2]}")
    for ra, rb in list(zip(sorted_a, sorted_b))[:200]:
        if ra != rb and not all(numeric[i] for i in range(width) if ra[i] != rb[i]):
            print(f"  first text difference: {ra} vs {rb}")
            break
    sys.exit(1)
print(f"OK {args.label}: {summary}")
