#!/usr/bin/env python3
"""Runs MLflow's own live-server tests against `mloop server` and prints pass counts per file.

MLflow's tests start a tracking server per test through `_init_server(...)` (a context manager in
MLflow's `tests/tracking/integration_test_utils.py` that yields the server's URL). This script
runs the test files unchanged, from a checkout of MLflow at the version of the pinned client,
and replaces only that fixture: each `_init_server` starts a fresh `mloop server` (its own
directory, so its own SQLite database and artifact store) and yields its URL. Nothing of MLflow
is copied into this repository; the checkout stays untouched (pytest's cache and the scratch
directories go to --work).

MLflow's source distribution on PyPI carries no tests, so the checkout comes from MLflow's
repository, at the tag of the version in scripts/requirements-test.txt:

    git clone --depth 1 --branch v3.17.2 https://github.com/mlflow/mlflow /somewhere/mlflow
    npm run build
    .venv/bin/python scripts/mlflow-own-tests.py --mlflow-source /somewhere/mlflow

Options: --files (default: the three live-server files below), --work DIR (scratch; default a new
temporary directory), --database-url postgres://… (every server on this PostgreSQL database
instead of a fresh SQLite file: tests then share it), --pytest-args "…" (passed through).
"""

import argparse
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ElementTree
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_FILES = [
    "tests/tracking/test_rest_tracking.py",
    "tests/tracking/test_model_registry.py",
    "tests/tracking/test_mlflow_artifacts.py",
]


# --- the pytest plugin: loaded into MLflow's test session with `-p mlflow_own_tests` ----------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _await_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mloop server exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"mloop server at {url} did not answer within {timeout} s")


@contextlib.contextmanager
def mloop_server(*_args, **_kwargs):
    """Stands in for MLflow's `_init_server(backend_uri, root_artifact_uri, …)`: a fresh server."""
    work = Path(os.environ["MLOOP_OWN_TESTS_WORK"])
    directory = Path(tempfile.mkdtemp(prefix="server-", dir=work))
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "MLOOP_"))}
    if os.environ.get("MLOOP_OWN_TESTS_DATABASE_URL"):
        env["MLOOP_DATABASE_URL"] = os.environ["MLOOP_OWN_TESTS_DATABASE_URL"]
    log = directory / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["node", os.environ["MLOOP_OWN_TESTS_CLI"], "server", "--port", str(port), "--log-level", "warn"],
            cwd=directory,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _await_up(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def pytest_collection_modifyitems(session, config, items):
    """Test modules import `_init_server` by name: rebind it in each of them and at its source."""
    modules = {item.module for item in items if getattr(item, "module", None) is not None}
    source = sys.modules.get("tests.tracking.integration_test_utils")
    for module in [*modules, source]:
        if module is not None and hasattr(module, "_init_server"):
            module._init_server = mloop_server


# --- the runner --------------------------------------------------------------------------------


def pinned_mlflow_version() -> str:
    text = (REPO / "scripts" / "requirements-test.txt").read_text()
    match = re.search(r"^mlflow==(\S+)", text, re.MULTILINE)
    if not match:
        sys.exit("scripts/requirements-test.txt pins no mlflow version")
    return match.group(1)


def checkout_version(source: Path) -> str:
    text = (source / "mlflow" / "version.py").read_text()
    match = re.search(r"VERSION\s*=\s*['\"]([^'\"]+)['\"]", text)
    return match.group(1) if match else "unknown"


def counts_of(junit: Path) -> dict[str, dict[str, int]]:
    """passed / failed / error / skipped / xfailed per test file, from pytest's JUnit XML."""
    per_file: dict[str, dict[str, int]] = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        name = case.get("classname", "").split(".")
        file = "/".join(name[: next((i for i, p in enumerate(name) if p.startswith("test_")), len(name)) + 1]) + ".py"
        outcome = "passed"
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
            elif child.tag == "skipped":
                outcome = "xfailed" if "xfail" in (child.get("type", "") + child.get("message", "")) else "skipped"
        tally = per_file.setdefault(file, {})
        tally[outcome] = tally.get(outcome, 0) + 1
    return per_file


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mlflow-source", required=True, type=Path, help="checkout of MLflow at the pinned tag")
    parser.add_argument("--files", nargs="+", default=DEFAULT_FILES)
    parser.add_argument("--work", type=Path, help="scratch directory (default: a new temporary one)")
    parser.add_argument("--database-url", help="postgres://… for every server instead of fresh SQLite files")
    parser.add_argument("--pytest-args", default="", help="more pytest arguments, e.g. \"-k registry -x\"")
    args = parser.parse_args()

    source = args.mlflow_source.resolve()
    pinned, found = pinned_mlflow_version(), checkout_version(source)
    import mlflow  # the client under test: the pinned one in this interpreter

    if found != pinned or mlflow.__version__ != pinned:
        print(f"warning: pinned mlflow {pinned}, checkout {found}, installed {mlflow.__version__}", file=sys.stderr)
    cli = REPO / "dist" / "cli" / "main.js"
    if not cli.exists():
        sys.exit("build mloop first: npm run build")
    work = (args.work or Path(tempfile.mkdtemp(prefix="mlflow-own-tests-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    plugin_dir = work / "plugin"
    plugin_dir.mkdir(exist_ok=True)
    shutil.copyfile(__file__, plugin_dir / "mlflow_own_tests.py")
    junit = work / "junit.xml"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")},
        # MLflow's checkout must not shadow the installed client: only its tests are imported.
        "PYTHONPATH": os.pathsep.join([str(plugin_dir), str(work / "tests-root")]),
        "MLOOP_OWN_TESTS_WORK": str(work),
        "MLOOP_OWN_TESTS_CLI": str(cli),
        "MLOOP_OWN_TESTS_DATABASE_URL": args.database_url or "",
        "GIT_PYTHON_REFRESH": "quiet",
    }
    # The tests package alone, beside (not inside) the checkout, so `import mlflow` is the client.
    tests_root = work / "tests-root"
    if not (tests_root / "tests").exists():
        shutil.copytree(source / "tests", tests_root / "tests", symlinks=True)
    command = [
        sys.executable, "-m", "pytest", *args.files,
        "-p", "mlflow_own_tests", "-p", "no:cacheprovider",
        "--rootdir", str(tests_root), "-o", "addopts=", "-q", "--tb=line",
        f"--junitxml={junit}", *args.pytest_args.split(),
    ]  # fmt: skip
    print("$", " ".join(command), f"(in {tests_root})", file=sys.stderr)
    subprocess.run(command, cwd=tests_root, env=env, check=False)
    if not junit.exists():
        sys.exit("pytest wrote no report")
    counts = counts_of(junit)
    print(json.dumps({"mlflow": mlflow.__version__, "files": counts}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
