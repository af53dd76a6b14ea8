"""Helpers shared by the tests: running the CLI, copying and editing the shipped folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from g2fit.config.toml_entry import shipped_folder

#: The model point of the README's `g2fit observables` example, as CLI arguments.
POINT = [
    "--m-L",
    "1000",
    "--m-S",
    "800",
    "--Y-L",
    "0.5",
    "--Y-R",
    "0.5",
    "--Y-V",
    "1",
    "--Y-Vp",
    "0",
]


def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`python -m g2fit ARGS` in a subprocess, as a user runs it; output captured."""
    return subprocess.run(
        [sys.executable, "-m", "g2fit", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def copy_shipped(name: str, destination: Path) -> Path:
    """A copy of the shipped folder `name` (data or likelihoods) at destination/name."""
    folder = destination / name
    shutil.copytree(shipped_folder(name), folder)
    return folder


def reseal(chunk: Path) -> None:
    """Seal a checkpoint chunk edited by a test again, as if g2fit had written it so."""
    from g2fit.io.checkpoint import seal

    chunk.write_bytes(seal(chunk.read_bytes()))


def edit_text(path: Path, old: str, new: str) -> None:
    """Replace the first `old` in a file by `new`; `old` must be there."""
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def one_line_error(result: subprocess.CompletedProcess[str], needle: str) -> str:
    """The single stderr line of a refused command (exit code 2), which must hold `needle`."""
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("g2fit: error: ")
    assert needle in lines[0], lines[0]
    return lines[0]


def hold_lock(folder: Path) -> subprocess.Popen[str]:
    """Another process holding the folder's lock, as a running g2fit does."""
    code = (
        "import fcntl, os, time\n"
        f"fd = os.open({str(folder / '.g2fit.lock')!r}, os.O_RDWR | os.O_CREAT)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "os.write(fd, str(os.getpid()).encode())\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "locked"
    return child


#: Chromium's flags for a headless page load on a machine without network (no sandbox: CI
#: runs as root; no background networking: its connections would be refused).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--allow-file-access-from-files",
)
#: Recorded into the page before anything else: every error event (scripts, failed images).
_PROBE_HEAD = (
    "<script>window.__errors = [];"
    "window.addEventListener('error', function (e) {"
    " window.__errors.push(String(e.message || (e.target && e.target.src) || e.type)); }, true);"
    "</script>"
)
#: Appended to the page: after load, the images' state and the errors, written into the DOM.
_PROBE_TAIL = (
    "<script>window.addEventListener('load', function () {"
    " var images = Array.prototype.map.call(document.images, function (i) {"
    "  return {complete: i.complete, width: i.naturalWidth, height: i.naturalHeight}; });"
    " var out = document.createElement('pre'); out.id = 'g2fit-probe';"
    " out.textContent = JSON.stringify({errors: window.__errors, images: images,"
    "  tables: document.querySelectorAll('table').length});"
    " document.body.appendChild(out); });</script>"
)


def chromium() -> str | None:
    """Debian's chromium, or None; G2FIT_REQUIRE_BROWSER=1 (set by .ci/run) makes its absence
    a failure instead of a skip."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("G2FIT_REQUIRE_BROWSER") == "1":
        raise AssertionError("G2FIT_REQUIRE_BROWSER=1 but no chromium on PATH")
    return found


def load_in_browser(page: Path, scratch: Path, browser: str) -> dict[str, object]:
    """Load a copy of `page` (probes added) in headless chromium; what the probe saw: the
    error events, each image's decoded size, the number of tables. Also a screenshot."""
    import json
    import re

    page = page.resolve()
    text = page.read_text()
    probed = text.replace("<head>", "<head>" + _PROBE_HEAD, 1).replace(
        "</body>", _PROBE_TAIL + "</body>", 1
    )
    copy = scratch / "probed.html"
    copy.write_text(probed)
    profile = scratch / "chromium-profile"
    command = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    result = subprocess.run(
        [*command, "--virtual-time-budget=10000", "--dump-dom", copy.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    match = re.search(r'<pre id="g2fit-probe">(.*?)</pre>', result.stdout, re.S)
    assert match, f"the probe did not run: {result.stderr[-2000:]}"
    import html

    seen: dict[str, object] = json.loads(html.unescape(match.group(1)))
    shot = scratch / "screenshot.png"
    subprocess.run(
        [*command, f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    seen["screenshot"] = shot
    return seen
