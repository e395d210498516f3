#!/usr/bin/env python3
"""Loads the map page in headless chromium, waits until it has drawn, saves a screenshot and its report.

    python3 chromium_map.py URL SCREENSHOT.png REPORT.json [--timeout 90] [--chromium chromium] [--size 1024,768] [--click LAYER]

Chromium runs with the flags of ../shared/PLATFORM.md (--headless --no-sandbox --disable-gpu
--window-size) and is driven over the DevTools protocol (a WebSocket; standard library only):
navigate, poll `document.body.dataset.status` until the page reports "ready" or "error" (see
Sources/RenewalServer/MapPage.swift), then read its report (<pre id="status">) and capture the
viewport; with --click LAYER (a style layer id), then clicks a feature of it near the middle of the map and adds the popup's rows to the report
("popup": [[key, value], …]). Why not `--virtual-time-budget` with `--screenshot`: virtual time does not wait for
MapLibre's web workers, which fetch and tile the GeoJSON, so the screenshot could come before the
map was drawn (here a 60 s budget returned after 1 s of real time, the map empty).
Exits 1 when the page does not report in time or chromium fails.
"""
import argparse
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    """A minimal RFC 6455 client: text frames out (masked), whole messages in."""

    def __init__(self, url):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            response += chunk
        status_line = response.split(b"\r\n")[0].decode()
        if " 101 " not in status_line:
            raise ConnectionError(f"DevTools refused the WebSocket: {status_line}")
        self.buffer = response.split(b"\r\n\r\n", 1)[1]

    def send(self, text):
        data, mask = text.encode(), os.urandom(4)
        n = len(data)
        header = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else
                                  bytes([0x80 | 126]) + struct.pack(">H", n) if n < 65536 else
                                  bytes([0x80 | 127]) + struct.pack(">Q", n))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buffer += chunk
        out, self.buffer = self.buffer[:n], self.buffer[n:]
        return out

    def receive(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0F
            if opcode == 8:
                raise ConnectionError("DevTools closed the WebSocket")
            if opcode in (0, 1, 2):
                message += payload
                if b0 & 0x80:
                    return message.decode()


class DevTools:
    """Commands to one page target, answers matched by id (events are skipped)."""

    def __init__(self, url):
        self.ws, self.next_id = WebSocket(url), 0

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]

    def evaluate(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")


def click_feature(page, width, height, layer, wait=10):
    """Clicks the feature of `layer` (a style layer id) drawn on top nearest the middle of the viewport (found with the page's
    `renewalgisMap.queryRenderedFeatures` along a spiral: the middle may fall on a street between
    parcels); the popup's rows ([key, value], …) once they stop changing (the page shows the tile's
    attributes first, then the whole feature it fetched), [] when none opens."""
    x, y = page.evaluate(f"""(function () {{
        for (let r = 0; r < 200; r += 4)
          for (let a = 0; a < 6.283; a += 0.5) {{
            const x = {width / 2} + r * Math.cos(a), y = {height / 2} + r * Math.sin(a);
            const hit = renewalgisMap.queryRenderedFeatures([x, y]);
            if (hit.length && hit[0].layer.id === {json.dumps(layer)}) return [x, y];
          }}
        return [{width / 2}, {height / 2}];
      }})()""")
    page.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
    for kind in ("mousePressed", "mouseReleased"):
        page.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", buttons=1, clickCount=1)
    rows, same, started = [], 0, time.monotonic()
    while time.monotonic() - started < wait and same < 8:
        now = page.evaluate("Array.from(document.querySelectorAll('.maplibregl-popup-content tr'))"
                            ".map(function (tr) { return Array.from(tr.cells).map(function (c) { return c.textContent; }); })") or []
        same = same + 1 if now == rows and now else 0
        rows = now
        time.sleep(0.25)
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("url"), ap.add_argument("png"), ap.add_argument("report")
    ap.add_argument("--timeout", type=float, default=90)
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--size", default="1024,768")
    ap.add_argument("--click", metavar="LAYER", help="after the screenshot, click a feature of this style layer near the middle and report the popup")
    a = ap.parse_args()
    width, height = (int(v) for v in a.size.split(","))
    profile = tempfile.mkdtemp(prefix="renewalgis-chromium.")
    log = open(a.png + ".chromium.log", "w")
    # --enable-unsafe-swiftshader: software WebGL without a GPU, which chromium otherwise deprecates.
    browser = subprocess.Popen([a.chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader",
                                f"--window-size={width},{height}", f"--user-data-dir={profile}",
                                "--remote-debugging-port=0", "about:blank"], stdout=log, stderr=log)
    try:
        started = time.monotonic()
        port_file = os.path.join(profile, "DevToolsActivePort")
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if browser.poll() is not None or time.monotonic() - started > 30:
                sys.exit(f"chromium did not start (log: {log.name})")
            time.sleep(0.1)
        port = open(port_file).read().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = DevTools(next(t for t in targets if t["type"] == "page")["webSocketDebuggerUrl"])
        page.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        loading = time.monotonic()
        page.call("Page.navigate", url=a.url)
        status = None
        while time.monotonic() - loading < a.timeout:
            status = page.evaluate("document.body ? document.body.dataset.status : null")
            if status in ("ready", "error"):
                break
            time.sleep(0.25)
        seconds = time.monotonic() - loading
        text = page.evaluate("(document.getElementById('status') || {}).textContent || ''")
        report = json.loads(text) if text else {"status": status or "no report", "errors": [], "rendered": {}}
        report["seconds"] = round(seconds, 2)
        shot = page.call("Page.captureScreenshot", format="png")
        with open(a.png, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        if a.click and status == "ready":
            report["popup"] = click_feature(page, width, height, a.click)
        with open(a.report, "w") as f:
            json.dump(report, f)
        if status not in ("ready", "error"):
            sys.exit(f"the page did not report within {a.timeout:.0f} s (status {status})")
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
