#!/usr/bin/env python3
"""Opens the `renewalgis checkup --xlsx` workbook in LibreOffice (headless) and compares every sheet
with the CSV the tool wrote for the same table.

usage: xlsx_check.py WORKBOOK CSV_DIR

LibreOffice (soffice --headless --convert-to csv, UTF-8, every sheet to its own file) must read
every sheet; each sheet must hold the same header and rows as the matching CSV of CSV_DIR (tool's
CSVs are UTF-8 with a BOM): text equal to the character, so the Chinese survives, numbers within
1e-9 relative. Prints PASS/FAIL per sheet and exits 1 on any failure.
"""
import csv
import glob
import os
import subprocess
import sys
import tempfile

# Sheet name → CSV file, as CheckupJob.tables names them.
LEVEL_LABELS = {"小区": "compound", "社区": "community", "街道": "subdistrict", "区": "district", "更新单元": "unit", "网格": "grid", "全域": "city"}


def csv_for(sheet):
    if sheet == "问题清单":
        return "checkup_ledger.csv"
    if sheet == "指标说明":
        return "checkup_indicators.csv"
    if sheet.endswith("指标") and sheet[:-2] in LEVEL_LABELS:
        return f"checkup_{LEVEL_LABELS[sheet[:-2]]}.csv"
    return None


def same(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y))


def main(workbook, csv_dir):
    out = tempfile.mkdtemp(prefix="xlsx-check-")
    # 44 comma, 34 quote, 76 UTF-8, from line 1, full precision, every sheet (-1) to its own file.
    subprocess.run(["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", out, workbook], check=True, capture_output=True, timeout=300)
    stem = os.path.splitext(os.path.basename(workbook))[0]
    sheets = sorted(glob.glob(os.path.join(out, stem + "-*.csv")))
    failed = not sheets
    if not sheets:
        print(f"FAIL LibreOffice wrote no sheet of {workbook}")
    for path in sheets:
        sheet = os.path.basename(path)[len(stem) + 1:-4]
        name = csv_for(sheet)
        if name is None or not os.path.exists(os.path.join(csv_dir, name)):
            print(f"FAIL sheet {sheet}: no matching CSV in {csv_dir}")
            failed = True
            continue
        office = list(csv.reader(open(path, encoding="utf-8", newline="")))
        tool = list(csv.reader(open(os.path.join(csv_dir, name), encoding="utf-8-sig", newline="")))
        problems = []
        if len(office) != len(tool):
            problems.append(f"{len(office)} rows in LibreOffice, {len(tool)} in the CSV")
        for r, (a, b) in enumerate(zip(office, tool)):
            a = a + [""] * (len(b) - len(a))
            if len(a) != len(b) or not all(same(x, y) for x, y in zip(a, b)):
                problems.append(f"row {r + 1}: {a[:6]} vs {b[:6]}")
        chinese = sum(1 for row in office for cell in row if any("\u4e00" <= ch <= "\u9fff" for ch in cell))
        ok = not problems and chinese > 0
        failed |= not ok
        print(f"{'PASS' if ok else 'FAIL'} sheet {sheet} = {name}: {len(office)} rows, {chinese} cells with Chinese read back by LibreOffice"
              + ("" if ok else "; " + "; ".join(problems[:3]) + ("" if chinese else "; no Chinese text")))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
