#!/usr/bin/env python3
"""Do several OGC API servers give the same answers? (scripts/backends_check.sh, scripts/replicas_check.sh)

    python3 compare_answers.py LABEL PATHS_FILE BASE_URL BASE_URL… [--drop links] [--host HOST:PORT]
                               [--tolerance 0] [--etags must|report] [--bytes]

Fetches every path of PATHS_FILE (one per line, e.g. /collections/parcels/items?bbox=…) from each server
and compares each answer with the first server's: the HTTP status, the body read as JSON with the keys
named by --drop removed at every depth (numbers equal within --tolerance, scaled by the magnitude above 1),
and the ETag header. --host sends that Host header to every server, so that links, which are built from
it, can be expected equal too; --bytes then asks for byte-identical bodies instead of equal JSON.
With --etags must a differing ETag counts as a difference; with report (the default) it is only counted.
A response header X-Upstream (nginx's $upstream_addr, see replicas_check.sh) is tallied when present.
A page's "timeStamp" (when the response was made, OGC API – Features Part 1) is never compared: two
requests a second apart rightly differ there, in bytes and as JSON.

Prints "OK LABEL: …" or "DIFFER LABEL: …" (bodies), then "OK|DIFFER|INFO LABEL ETags: …";
the first differences are shown. Exit status 1 on any difference. Standard library only.
"""
import argparse
import re
import collections
import json
import math
import sys
import urllib.error
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("label")
parser.add_argument("paths")
parser.add_argument("bases", nargs="+")
parser.add_argument("--drop", default="", help="comma-separated keys removed at any depth before comparing")
parser.add_argument("--host", default=None)
parser.add_argument("--tolerance", type=float, default=0.0)
parser.add_argument("--etags", choices=["must", "report"], default="report")
parser.add_argument("--bytes", action="store_true")
args = parser.parse_args()
drop = {k for k in args.drop.split(",") if k} | {"timeStamp"}


def fetch(url):
    request = urllib.request.Request(url, headers={"Host": args.host} if args.host else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


STAMP = re.compile(rb'"timeStamp":"[^"]*"')


def untimed(body):
    """The body with its timeStamp's value blanked."""
    return STAMP.sub(b'"timeStamp":""', body) if isinstance(body, bytes) else body


def prune(value):
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def differences(a, b, where="$"):
    """Yields (place, a, b) for every leaf that differs."""
    if is_number(a) and is_number(b):
        if not (math.isfinite(a) and math.isfinite(b)) or abs(a - b) > args.tolerance * max(1.0, abs(a), abs(b)):
            yield where, a, b
    elif type(a) is not type(b):
        yield where, a, b
    elif isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                yield f"{where}.{key}", a.get(key, "<absent>"), b.get(key, "<absent>")
            else:
                yield from differences(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        if len(a) != len(b):
            yield f"{where}[len]", len(a), len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            yield from differences(x, y, f"{where}[{i}]")
    elif a != b:
        yield where, a, b


paths = [line.strip() for line in open(args.paths) if line.strip()]
body_diffs, etag_diffs, shown = 0, 0, 0
upstreams = collections.Counter()
features = 0
for path in paths:
    answers = [fetch(base + path) for base in args.bases]
    for _, headers, _ in answers:
        if "X-Upstream" in headers:
            upstreams[headers["X-Upstream"]] += 1
    status0, headers0, body0 = answers[0]
    try:
        doc0 = prune(json.loads(body0))
        features += len(doc0.get("features", [])) if isinstance(doc0, dict) else 0
    except ValueError:
        doc0 = None
    for base, (status, headers, body) in zip(args.bases[1:], answers[1:]):
        problems = []
        if status != status0:
            problems.append(f"status {status0} vs {status}")
        if args.bytes or doc0 is None:
            if untimed(body) != untimed(body0):
                problems.append(f"bodies differ ({len(body0)} vs {len(body)} bytes)")
        else:
            try:
                found = list(differences(doc0, prune(json.loads(body))))
            except ValueError:
                found = [("$", "json", "not json")]
            if found:
                place, x, y = found[0]
                problems.append(f"{len(found)} values differ, first at {place}: {str(x)[:80]} vs {str(y)[:80]}")
        if problems:
            body_diffs += 1
            if shown < 5:
                shown += 1
                print(f"  {path} @ {base}: " + "; ".join(problems))
        if headers.get("ETag") != headers0.get("ETag"):
            etag_diffs += 1
            if shown < 5 and args.etags == "must":
                shown += 1
                print(f"  {path} @ {base}: ETag {headers0.get('ETag')} vs {headers.get('ETag')}")

pairs = len(paths) * (len(args.bases) - 1)
how = "byte-identical" if args.bytes else "equal as JSON" + (f" without {','.join(sorted(drop))}" if drop else "")
tally = f", served by {dict(upstreams)}" if upstreams else ""
print(f"{'DIFFER' if body_diffs else 'OK'} {args.label}: {pairs - body_diffs}/{pairs} answers {how} "
      f"({len(paths)} paths × {len(args.bases)} servers, {features} features in the first server's answers{tally})")
etag_word = ("DIFFER" if etag_diffs else "OK") if args.etags == "must" else "INFO"
print(f"{etag_word} {args.label} ETags: {pairs - etag_diffs}/{pairs} equal to the first server's")
sys.exit(1 if body_diffs or (args.etags == "must" and etag_diffs) else 0)
