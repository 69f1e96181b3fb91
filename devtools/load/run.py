"""The load test: gunicorn with production's settings on loopback, driven by Locust, on a throw-away database.

    python devtools/load/run.py --projects 5000 --workers 2,3,4,5 --duration 120

It never touches the configured database's data: it creates a database of its own next to it
(`load_<name>` on the server of DATABASE_URL), seeds it once (`migrate`, `load_demo`,
`generate_portfolio --projects N`, then `prepare.py`: the staff's authenticator apps, the partner's
draft report, the ids to read), collects the static files, and then for each worker count starts gunicorn
(DEBUG off, a random SECRET_KEY, whitenoise serving the collected files, Redis from REDIS_URL for the cache
and throttles as in production), runs Locust headless for a bounded time, and stops gunicorn. The
database is dropped at the end (unless --keep-database).

Figures go to `var/load/results.json` (merged with the runs of other portfolio sizes already there) and a
markdown summary next to it, `results.md`: per request type and in total, requests per second, the 50th,
95th and 99th percentiles, failures and the error rate, with the load average before and after each run.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--projects", type=int, default=5000, help="Projects generate_portfolio makes.")
    parser.add_argument(
        "--payments-per-tranche",
        type=int,
        nargs=2,
        default=(6, 10),
        metavar=("FEWEST", "MOST"),
        help="Disbursements per tranche (6 10, as the scale measurements: about 22 transactions a project).",
    )
    parser.add_argument("--workers", default="3", help="gunicorn worker counts to run in turn: 2,3,4,5.")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="Threads per worker with --worker-class gthread.")
    parser.add_argument("--users", type=int, default=40, help="Simulated users at once.")
    parser.add_argument("--spawn-rate", type=float, default=10, help="Users started per second.")
    parser.add_argument("--duration", type=int, default=120, help="Seconds Locust runs for each worker count.")
    parser.add_argument("--wait", type=float, nargs=2, default=(1, 3), metavar=("MIN", "MAX"), help="Think time (s).")
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "load")
    parser.add_argument("--keep-database", action="store_true", help="Leave the seeded database for another run.")
    parser.add_argument("--reuse-database", action="store_true", help="Run on the load database left by a run.")
    parser.add_argument("--database-name", help="The throw-away database's name (load_<DATABASE_URL's name>).")
    parser.add_argument(
        "--each-task-first",
        action="store_true",
        help="Each user makes each of its requests once when it starts (every request type in a short run).",
    )
    options = parser.parse_args(argv)
    options.workers = [int(count) for count in str(options.workers).replace(" ", ",").split(",") if count]
    if options.projects < 1 or not options.workers or min(options.workers) < 1 or options.duration < 1:
        parser.error("--projects, --workers and --duration must be at least 1.")
    return options


def say(message: str) -> None:
    print(f"-- {message}", flush=True)


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


class Database:
    """The throw-away database, on the server DATABASE_URL names."""

    def __init__(self, url: str, name: str | None = None):
        parts = urlsplit(url)
        if not parts.scheme.startswith("postgres"):
            raise SystemExit("The load test runs on PostgreSQL: set DATABASE_URL to a postgres:// URL.")
        self.name = name or "load_" + parts.path.lstrip("/")
        self.url = urlunsplit(parts._replace(path="/" + self.name))
        self.maintenance = urlunsplit(parts._replace(path="/postgres"))

    def _run(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.maintenance, autocommit=True) as connection:
            connection.execute(statement)

    def create(self) -> None:
        self.drop()
        self._run(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._run(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def analyze(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")

    def counts(self) -> dict[str, int]:
        import psycopg

        tables = {"projects": "grants_project", "transactions": "grants_transaction"}
        with psycopg.connect(self.url) as connection:
            return {
                key: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - names above
                for key, table in tables.items()
            }


def manage(*command: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)


def seed(options: argparse.Namespace, database: Database, env: dict[str, str], config: Path) -> dict:
    """Migrate, the demo (with its logins, so with DEBUG on), the generated portfolio and what the users read."""
    seeding = {**env, "DEBUG": "1", "DATABASE_URL": database.url}
    seeding.pop("REDIS_URL", None)  # tasks the demo queues run in-process instead of waiting in the broker
    times = {}
    started = time.perf_counter()
    manage("migrate", "--noinput", "-v0", env=seeding)
    manage("load_demo", env=seeding)
    times["migrate_and_demo_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    fewest, most = options.payments_per_tranche
    projects = str(options.projects)
    manage("generate_portfolio", "--projects", projects, "--payments-per-tranche", str(fewest), str(most), env=seeding)
    times["generate_portfolio_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / "prepare.py"), str(config)], cwd=ROOT, env=seeding, check=True)
    database.analyze()
    times["prepare_and_analyze_s"] = round(time.perf_counter() - started, 1)
    return times


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, server: subprocess.Popen, seconds: float = 120) -> None:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310 - http://127.0.0.1
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before it answered.")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own loopback server
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s.")


def cpu_seconds(pid: int) -> float:
    """CPU time of gunicorn's master and workers so far."""
    import psutil

    try:
        process = psutil.Process(pid)
        processes = [process, *process.children(recursive=True)]
        return sum(sum(p.cpu_times()[:2]) for p in processes if p.is_running())
    except psutil.Error:
        return 0.0


def machine_cpu() -> tuple[float, float]:
    """The machine's busy and total CPU seconds since it started, every core."""
    import psutil

    times = psutil.cpu_times()
    total = sum(times)
    return total - times.idle - getattr(times, "iowait", 0.0), total


def children_cpu() -> float:
    """CPU seconds of this process's finished children (Locust, once it has exited)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(options, workers: int, number: int, env: dict[str, str], config: Path, folder: Path) -> dict:
    port = free_port()
    worker_args = ["--worker-class", options.worker_class]
    if options.worker_class == "gthread":
        worker_args += ["--threads", str(options.threads)]
    log = (folder / f"gunicorn-{workers}.log").open("w")
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "citiesalliance.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            *worker_args,
            "--timeout",
            "120",
            "--access-logfile",
            "-",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/health/", server)
        prefix = folder / f"locust-{workers}"
        before, cpu_before, started = load_average(), cpu_seconds(server.pid), time.perf_counter()
        machine_before, locust_before = machine_cpu(), children_cpu()
        say(f"{workers} {options.worker_class} workers: Locust, {options.users} users for {options.duration} s")
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--users",
                str(options.users),
                "--spawn-rate",
                str(options.spawn_rate),
                "--run-time",
                f"{options.duration}s",
                "--stop-timeout",
                "30",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={
                **env,
                "LOAD_CONFIG": str(config),
                "LOAD_RUN": str(number),
                "LOAD_WAIT_MIN": str(options.wait[0]),
                "LOAD_WAIT_MAX": str(options.wait[1]),
                "LOAD_EACH_TASK_FIRST": "1" if options.each_task_first else "",
            },
            check=False,  # Locust exits 1 when a request failed: the figures say which
        )
        elapsed = time.perf_counter() - started
        server_cpu = cpu_seconds(server.pid) - cpu_before
        after = load_average()
        machine_busy, machine_total = (now - then for now, then in zip(machine_cpu(), machine_before, strict=True))
        locust_cpu = children_cpu() - locust_before
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    requests, total = read_stats(prefix.with_name(prefix.name + "_stats.csv"))
    return {
        "workers": workers,
        "worker_class": options.worker_class,
        "threads": options.threads if options.worker_class == "gthread" else 1,
        "users": options.users,
        "duration_s": options.duration,
        "wait_s": list(options.wait),
        "load_average_before": before,
        "load_average_after": after,
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_share": round(server_cpu / elapsed / (os.cpu_count() or 1), 2) if elapsed else None,
        # How busy the whole machine was (every process, PostgreSQL's and other users' too), and Locust's part.
        "machine_cpu_busy": round(machine_busy / machine_total, 2) if machine_total else None,
        "locust_cpu_share": round(locust_cpu / elapsed / (os.cpu_count() or 1), 2) if elapsed else None,
        "failures": read_failures(prefix.with_name(prefix.name + "_failures.csv")),
        "total": total,
        "requests": requests,
    }


def _number(row: dict, column: str) -> float | None:
    value = row.get(column, "")
    return None if value in ("", "N/A") else round(float(value), 2)


def read_stats(path: Path) -> tuple[list[dict], dict]:
    """Locust's per-request-type figures (`--csv`), and the total over every type."""
    requests, total = [], {}
    with path.open() as stats:
        for row in csv.DictReader(stats):
            count, failures = int(row["Request Count"]), int(row["Failure Count"])
            figures = {
                "name": row["Name"],
                "requests": count,
                "failures": failures,
                "error_rate": round(failures / count, 4) if count else 0.0,
                "rps": _number(row, "Requests/s"),
                "p50_ms": _number(row, "50%"),
                "p95_ms": _number(row, "95%"),
                "p99_ms": _number(row, "99%"),
                "mean_ms": _number(row, "Average Response Time"),
                "max_ms": _number(row, "Max Response Time"),
            }
            if row["Name"] == "Aggregated":
                total = {**figures, "name": "total"}
            else:
                requests.append({"method": row["Type"], **figures})
    return requests, total


def read_failures(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open() as failures:
        return [
            {"request": f"{row['Method']} {row['Name']}", "error": row["Error"][:300], "times": int(row["Occurrences"])}
            for row in csv.DictReader(failures)
        ]


def merge(output: Path, runs: list[dict], machine: dict) -> dict:
    """This invocation's runs replace the earlier ones of the same size, worker count and class."""
    path = output / "results.json"
    earlier = json.loads(path.read_text()).get("runs", []) if path.exists() else []

    def key(run: dict) -> tuple:
        return run["portfolio"]["projects_requested"], run["workers"], run["worker_class"], run["threads"]

    replaced = {key(run) for run in runs}
    every = sorted(
        [run for run in earlier if key(run) not in replaced] + runs,
        key=lambda run: (run["portfolio"]["projects_requested"], run["worker_class"], run["workers"]),
    )
    results = {"machine": machine, "runs": every, "best": best(every)}
    path.write_text(json.dumps(results, indent=2))
    (output / "results.md").write_text(markdown(results))
    return results


def best(runs: list[dict]) -> dict:
    """Per portfolio size, the worker setting that served the most requests a second without an error."""
    chosen: dict[str, dict] = {}
    for run in runs:
        size = str(run["portfolio"]["projects_requested"])
        if run["total"].get("failures", 1) or run["total"].get("rps") is None:
            continue
        if size not in chosen or run["total"]["rps"] > chosen[size]["rps"]:
            chosen[size] = {
                "workers": run["workers"],
                "worker_class": run["worker_class"],
                "threads": run["threads"],
                "rps": run["total"]["rps"],
            }
    return chosen


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [
        "# Load test",
        "",
        f"{machine['cpus']} CPUs ({machine['processor'] or machine['machine']}), {machine['python']}, "
        f"PostgreSQL and Redis on the same machine; Locust on it too.",
        "",
        "| projects | transactions | gunicorn workers | users | req/s | p50 ms | p95 ms | p99 ms | requests | errors "
        "| load avg before → after | CPU: machine busy / gunicorn / Locust |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in results["runs"]:
        total, portfolio = run["total"], run["portfolio"]
        kind = run["worker_class"] + (f", {run['threads']} threads each" if run["worker_class"] == "gthread" else "")
        lines.append(
            f"| {portfolio['projects']:,} | {portfolio['transactions']:,} | {run['workers']} {kind} | {run['users']} "
            f"| {total['rps']} | {_ms(total['p50_ms'])} | {_ms(total['p95_ms'])} | {_ms(total['p99_ms'])} "
            f"| {total['requests']:,} | {total['failures']} ({total['error_rate']:.2%}) "
            f"| {run['load_average_before'][0]} → {run['load_average_after'][0]} "
            f"| {_share(run.get('machine_cpu_busy'))} / {_share(run.get('server_cpu_share'))} "
            f"/ {_share(run.get('locust_cpu_share'))} |"
        )
    for size, chosen in results["best"].items():
        lines += [
            "",
            f"Best at {int(size):,} projects: {chosen['workers']} {chosen['worker_class']} workers, "
            f"{chosen['rps']} requests/s.",
        ]
    for run in results["runs"]:
        lines += [
            "",
            f"## {run['portfolio']['projects']:,} projects, {run['workers']} {run['worker_class']} workers",
            "",
            "| request | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in [*run["requests"], run["total"]]:
            lines.append(
                f"| {row['name']} | {row['requests']:,} | {row['rps']} | {_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} "
                f"| {_ms(row['p99_ms'])} | {row['failures']} |"
            )
        for failure in run["failures"]:
            times = failure.get("times", failure.get("occurrences"))
            lines.append(f"\nFailed: {failure['request']}, {times} times: {failure['error']}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    options = arguments(argv)
    database = Database(
        os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/citiesalliance", options.database_name
    )
    options.output.mkdir(parents=True, exist_ok=True)
    machine = {
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "python": platform.python_version(),
        "system": platform.platform(),
    }
    with tempfile.TemporaryDirectory(prefix="load-") as temporary:
        folder = Path(temporary)
        config = options.output / f"config-{options.projects}.json"
        server_env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The load generator stands where production's proxy does (see the locustfile).
            "TRUSTED_PROXY_COUNT": "1",
            "DATABASE_URL": database.url,
            # Collected once and kept (collectstatic compresses every file: minutes on a busy machine).
            "STATIC_ROOT": str(options.output / "static"),
            "MEDIA_ROOT": str(folder / "media"),
            "LOG_LEVEL": "WARNING",
        }
        started, runs = datetime.now(UTC), []
        try:
            if options.reuse_database and config.exists():
                say(f"reusing {database.name}")
                seconds = {}
            else:
                say(f"seeding {database.name}: {options.projects:,} projects")
                database.create()
                seconds = seed(options, database, dict(os.environ), config)
            subprocess.run(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=server_env, check=True
            )
            counts = database.counts()
            portfolio = {"projects_requested": options.projects, **counts, "seeding": seconds}
            for number, workers in enumerate(options.workers):
                run = run_once(options, workers, started.second * 7 + number, server_env, config, folder)
                run = {"portfolio": portfolio, "started": started.isoformat(timespec="seconds"), **run}
                runs.append(run)
                total = run["total"]
                say(
                    f"{workers} workers: {total.get('rps')} req/s, p50 {total.get('p50_ms')} ms, "
                    f"p95 {total.get('p95_ms')} ms, p99 {total.get('p99_ms')} ms, "
                    f"{total.get('failures')} errors of {total.get('requests')}"
                )
                for log in folder.glob(f"gunicorn-{workers}.log"):
                    errors = [line for line in log.read_text().splitlines() if '" 50' in line or "Traceback" in line]
                    if errors:
                        say(f"gunicorn logged {len(errors)} server errors, the first: {errors[0][:300]}")
        finally:
            if not options.keep_database:
                database.drop()
    results = merge(options.output, runs, machine)
    say(f"results: {options.output / 'results.json'} and {options.output / 'results.md'}; best: {results['best']}")
    return 0 if all(run["total"].get("failures") == 0 and run["total"].get("requests") for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
