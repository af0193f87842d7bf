"""`make fuzz-api`: schemathesis over every operation of /api/v1/openapi.json, against a real `stoa web`.

    .venv/bin/python tests/fuzz/fuzz_api.py [--max-examples 30] [--max-time 300] [--seed N] [--check] [--keep]

1. Makes a temporary STOA_DATA_DIR (SQLite, the embedded default), migrates it and fills it with sample
   data (tests/fuzz/seed.py): a workspace with Mastodon, Bluesky and Telegram channels, posts in several
   states, media and inbox messages, a second workspace the token's user is only an analyst in, and a third
   they are no member of. It makes an API token with `stoa apitoken`.
2. Starts `stoa web --host 127.0.0.1 --port FREE_PORT` in its own process, as shipped.
3. Runs schemathesis (every phase, every check, plus tests/fuzz/hooks.py's: an error answers in the API's
   one shape) over every operation, at most --max-examples cases per operation and --max-time seconds in all.
4. Prints schemathesis' own report on stderr and, as its last line on stdout, the figures as JSON:
   {"operations": N, "cases": N, "server_errors": N, "failures": [...]}: the operations tested, the cases
   sent, the answers with a 5xx status (counted from the server's log), and each kind of failure
   schemathesis found (its code and title, how many distinct ones, the operations, whether a 5xx). With
   --check it exits 1 when there was a server error, or a failure other than ST201 and ST202 (NOT_FAILING); a run
   whose only finding is an error of schemathesis' own is made once more.
   `--source DIR` runs Stoa from another copy of the tree (to compare with an older one).

Everything listens on and connects to 127.0.0.1 only: Stoa's outgoing requests (a channel's network,
handoff webhooks) go through a proxy address on 127.0.0.1 where nothing listens, so an address schemathesis
makes up is never reached. Proxy variables, DATABASE_URL and the caller's STOA_ settings are ignored. The
data directory, with the server's log, is removed afterwards (kept and named with --keep).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens there
SERVER_ERRORS = {"ServerError", "ContentTypeServerError"}  # schemathesis' failures for a 5xx answer
# Reported, but not failing --check: the schema cannot say every rule the actions check (an IANA timezone, a
# time in the future, a file that is CSV), so a 422 for a schema-valid request is validation at work; and
# pydantic takes 3.0 for the integer 3.
NOT_FAILING = {"ST201", "ST202"}


def log(message: str) -> None:
    print(f"[fuzz-api] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_environment() -> dict[str, str]:
    """The caller's environment without what would point Stoa or schemathesis elsewhere."""
    dropped = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH", "SCHEMATHESIS_")
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("STOA_", *dropped)) and "proxy" not in k.lower()}


def server_environment(data_dir: Path, port: int, source: Path) -> dict[str, str]:
    env = clean_environment()
    env.update(
        STOA_DATA_DIR=str(data_dir), STOA_SECRET_KEY="fuzz-secret-key-not-for-production", STOA_TASKS="sqlite",
        STOA_SITE_URL=f"http://127.0.0.1:{port}", STOA_ALLOWED_HOSTS="127.0.0.1",
        STOA_INBOX_POLLING="0", STOA_STREAMING="0", STOA_HTTP_TIMEOUT_SECONDS="2", STOA_LOG_LEVEL="WARNING",
        STOA_EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        HTTP_PROXY=DEAD_PROXY, HTTPS_PROXY=DEAD_PROXY, ALL_PROXY=DEAD_PROXY, NO_PROXY="",
        PYTHONPATH=str(source), DJANGO_SETTINGS_MODULE="stoa.settings",
    )
    return env


def stoa(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "stoa.cli", *args], env=env, cwd=env["PYTHONPATH"],
                            capture_output=True, text=True, timeout=300)
    if result.returncode:
        raise SystemExit(f"stoa {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def seed(env: dict[str, str]) -> None:
    code = f"import django, runpy; django.setup(); runpy.run_path({str(HERE / 'seed.py')!r})"
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=env["PYTHONPATH"], capture_output=True,
                            text=True, timeout=300)
    if result.returncode:
        raise SystemExit(f"the sample data could not be made:\n{result.stderr}")
    log(result.stdout.strip())


def start_server(env: dict[str, str], port: int, server_log: Path) -> subprocess.Popen:
    with open(server_log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "stoa.cli", "web", "--host", "127.0.0.1", "--port", str(port)],
            env=env, cwd=env["PYTHONPATH"], stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM if this script is killed outright."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"stoa web exited with status {server.returncode}")
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"stoa web did not answer {url} within {timeout:.0f} s")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def run_schemathesis(base: str, token: str, work: Path, args: argparse.Namespace) -> dict:
    report = work / "schemathesis.json"
    env = clean_environment()
    env.update(NO_PROXY="127.0.0.1,localhost", SCHEMATHESIS_HOOKS=str(HERE / "hooks.py"))
    command = [
        str(BIN / "schemathesis"), "run", f"{base}/api/v1/openapi.json",
        "--header", f"Authorization: Bearer {token}",
        "--checks", "all", "--max-examples", str(args.max_examples), "--max-time", str(args.max_time),
        "--max-redirects", "0", "--request-timeout", "30", "--workers", str(args.workers),
        "--report", "json", "--report-json-path", str(report),
        "--suppress-health-check", "all", "--output-truncate", "true", "--warnings", "off",
        "--no-color",
    ]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    log("schemathesis " + " ".join(command[2:3] + command[5:]))
    # Its own report on stderr, so that stdout ends with the figures; .hypothesis/ goes in the data dir.
    subprocess.run(command, env=env, cwd=work, stdout=sys.stderr, stderr=sys.stderr,
                   timeout=args.max_time + 300)
    if not report.exists():
        raise SystemExit("schemathesis wrote no report")
    return json.loads(report.read_text())


def figures(report: dict, server_log: str) -> dict:
    failures = [{"code": f["code"], "title": f["title"], "count": f["count"], "operations": f["operations"],
                 "server_error": f["type"] in SERVER_ERRORS} for f in report.get("failures", [])]
    failures += [{"code": "error", "title": e["title"], "count": e["count"], "operations": [], "server_error": False}
                 for e in report.get("errors", [])]
    return {
        "operations": (report.get("operations") or {}).get("tested", 0),
        "cases": report["test_cases"]["generated"],
        # Every 5xx answer, as the server logged it (schemathesis counts each kind once, in `failures`).
        "server_errors": server_log.count("ERROR django.request: Internal Server Error"),
        "failures": failures,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--max-examples", type=int, default=30, help="cases per operation and phase [30]")
    parser.add_argument("--max-time", type=int, default=300, help="seconds for schemathesis in all [300]")
    # One: schemathesis' workers are threads, and CPython 3.11's AST constructor keeps its recursion depth per
    # interpreter, not per thread (python/cpython#106905), so hypothesis building lambdas' descriptions in two threads
    # at once fails now and then with "AST constructor recursion depth mismatch", and the run with it.
    parser.add_argument("--workers", type=int, default=1, help="schemathesis' concurrent workers [1]")
    parser.add_argument("--seed", type=int, help="schemathesis' random seed, to repeat a run")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 on a server error, or a failure other than ST201 and ST202")
    parser.add_argument("--keep", action="store_true", help="keep the data directory and the server's log")
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="run Stoa from this copy of the source tree [this checkout], e.g. an older one")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that `finally` stops the server and cleans up

    result = fuzz(args)
    if args.check and not result["server_errors"] and crashed_only(result):
        # The fuzzer itself failed, not an answer of Stoa's (see --workers). Once more (a new seed unless one was
        # given).
        log("schemathesis had an error of its own and no finding about Stoa; running it once more")
        print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
        result = fuzz(args)
    print(json.dumps(result, ensure_ascii=False))
    return 1 if args.check and (result["server_errors"] or failing(result)) else 0


def failing(result: dict) -> list[dict]:
    return [f for f in result["failures"] if f["code"] not in NOT_FAILING]


def crashed_only(result: dict) -> bool:
    """Whether every failing entry is one of schemathesis' own errors (code "error")."""
    return bool(failing(result)) and all(f["code"] == "error" for f in failing(result))


def fuzz(args: argparse.Namespace) -> dict:
    """One run: a fresh data directory and server, schemathesis over every operation, the figures."""
    work = Path(tempfile.mkdtemp(prefix="stoa-fuzz-"))
    server = None
    try:
        port = free_port()
        env = server_environment(work / "data", port, args.source.resolve())
        log(f"data directory {work}; migrating and filling it")
        stoa(env, "migrate", "--verbosity", "0")
        seed(env)
        token = stoa(env, "apitoken", "fuzz", "--user", "fuzz").strip()
        server = start_server(env, port, work / "server.log")
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/api/v1/openapi.json", server)
        log(f"stoa web is up at {base} (pid {server.pid})")
        report = run_schemathesis(base, token, work, args)
    finally:
        server_log = (work / "server.log").read_text(errors="replace") if (work / "server.log").exists() else ""
        if server is not None:
            stop(server)
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return figures(report, server_log)


if __name__ == "__main__":
    sys.exit(main())
