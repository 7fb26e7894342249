"""Benchmark: the web app under load on PostgreSQL, driven the way a secretariat uses it.

    .venv/bin/python benchmarks/load.py [--households 100000] [--operators 50] [--agents 100]
        [--duration 60] [--web-workers 2] [--printed 2000] [--keep] [--trace requests.json]

1. Starts PostgreSQL (`scripts/start-postgres`) and seeds a database with the product's own commands:
   `secretariat init`, three municipalities with a programme each, their target lists (synthetic
   CP932 files from `exchange.targets.samples`, `--households` in all) through `secretariat exchange
   import`, `--printed` households of the first programme printed (`secretariat print run --limit`) and
   mailed, and the operators and agents through `secretariat users add` / `users assign`. The seeded
   database is kept as a template keyed by `VERSION` and the sizes, so a rerun only copies it
   (`CREATE DATABASE … TEMPLATE …`); each run works on a fresh copy.
2. Starts `--web-workers` web processes (`secretariat serve --no-worker --no-drop`, one uvicorn process
   each, as the deployment's `secretariat-web@PORT` units) and one `secretariat worker`.
3. Runs locust headless (`benchmarks/load_locustfile.py`): operators check in forms at the station by
   their page code and open the exceptions queue; agents search households by kana, phone or 世帯番号,
   open one and log an inquiry; 1–3 s think time. Users are spread over the web processes.
4. Prints p50/p95/p99 latency, requests/s and errors per endpoint and overall, and the target
   (p95 under 300 ms, no errors) with PASS or FAIL. `--trace` also writes every request (logins
   included) as [time, endpoint, ms], to see when the slow ones fall.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from exchange.targets.samples import target_rows  # noqa: E402
from mailroom.printing.page_code import PageCode  # noqa: E402
from mailroom.scanning.reference import template_by_key  # noqa: E402
from secretariat.core.synthetic import HouseholdFactory  # noqa: E402

SECRETARIAT = str(Path(sys.executable).with_name("secretariat"))
LOCUST = str(Path(sys.executable).with_name("locust"))
VERSION = "load-1"  # change when the seed changes, so a stale template is not reused
PASSWORD = "load-benchmark-pw-2026"
TARGET_P95_MS = 300
MUNICIPALITIES = [("121002", "千葉県千葉市", "千葉県千葉市稲毛区", "263"),
                  ("271403", "大阪府堺市", "大阪府堺市堺区", "590"),
                  ("141003", "神奈川県横浜市", "神奈川県横浜市港北区", "222")]


def start_postgres() -> str:
    return subprocess.run([str(REPO / "scripts/start-postgres")], check=True, capture_output=True,
                          text=True).stdout.strip()


def database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def admin(server_url: str):
    url = make_url(server_url).set(drivername="postgresql+psycopg")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def database_exists(server_url: str, name: str) -> bool:
    engine = admin(server_url)
    with engine.connect() as connection:
        found = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    engine.dispose()
    return found is not None


def sql(server_url: str, statement: str) -> None:
    engine = admin(server_url)
    with engine.connect() as connection:
        connection.execute(text(statement))
    engine.dispose()


def cli(env: dict[str, str], *arguments: str) -> str:
    done = subprocess.run([SECRETARIAT, *arguments], env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"secretariat {' '.join(arguments[:3])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def product_env(url: str, data_dir: Path, secret_key: str) -> dict[str, str]:
    return {**os.environ, "SECRETARIAT_DATABASE_URL": url, "SECRETARIAT_DATA_DIR": str(data_dir),
            "SECRETARIAT_SECRET_KEY": secret_key, "SECRETARIAT_SCHEDULE": "off",
            "SECRETARIAT_TRUSTED_PROXIES": "127.0.0.1",  # the load users' X-Forwarded-For, as behind nginx
            "SECRETARIAT_NEW_PASSWORD": PASSWORD}


def write_target_file(path: Path, households: int, seed: int, city: str, postal_prefix: str) -> None:
    factory = HouseholdFactory(seed=seed, city=city, postal_prefix=postal_prefix)
    with path.open("w", encoding="cp932", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerows(target_rows((factory.household(number) for number in range(1, households + 1)),
                                     messy=True, accounts=True, seed=seed))


def seed(server_url: str, name: str, arguments: argparse.Namespace, work: Path) -> None:
    """The template database, made with the product's own commands."""
    sql(server_url, f'CREATE DATABASE "{name}"')
    env = product_env(database_url(server_url, name), work / "seed-data", "seed")
    started = time.perf_counter()
    cli(env, "init")
    shares = [arguments.households // len(MUNICIPALITIES)] * len(MUNICIPALITIES)
    shares[0] += arguments.households - sum(shares)
    engine = create_engine(make_url(env["SECRETARIAT_DATABASE_URL"]).set(drivername="postgresql+psycopg"))
    programme_ids = []
    for index, ((code, municipality, city, postal), share) in enumerate(zip(MUNICIPALITIES, shares)):
        cli(env, "municipalities", "add", code, municipality)
        cli(env, "programmes", "add", "--municipality", code, "--name", f"{municipality}物価高騰対策給付金",
            "--reference-date", "2026-12-01", "--opens", "2026-11-01", "--deadline", "2027-02-28",
            "--per-household", "30000", "--per-child", "20000")
        with engine.connect() as connection:
            programme_ids.append(connection.execute(text("SELECT max(id) FROM programme")).scalar_one())
        path = work / f"targets-{code}.csv"
        write_target_file(path, share, seed=index + 1, city=city, postal_prefix=postal)
        cli(env, "exchange", "import", str(path), "--programme", str(programme_ids[-1]))
        print(f"  {municipality}: {share:,} households imported ({time.perf_counter() - started:.0f} s)", flush=True)
    cli(env, "print", "run", "--programme", str(programme_ids[0]), "--limit", str(arguments.printed),
        "--out", str(work / "print"))
    with engine.connect() as connection:
        run_id = connection.execute(text("SELECT max(id) FROM mailroom_print_run")).scalar_one()
    cli(env, "print", "mailed", "--run", str(run_id), "--date", date.today().isoformat())
    print(f"  {arguments.printed:,} households printed and mailed ({time.perf_counter() - started:.0f} s)", flush=True)

    def add_user(role_number: tuple[str, int]) -> None:
        role, number = role_number
        username = f"{role}{number:03d}"
        cli(env, "users", "add", username, "--role", role, "--display-name", f"負荷試験{username}")
        if role == "agent":
            cli(env, "users", "assign", username, *[f"--programme={p}" for p in programme_ids])

    users = [("operator", n) for n in range(1, arguments.operators + 1)] + \
            [("agent", n) for n in range(1, arguments.agents + 1)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(add_user, users))
    with engine.connect() as connection:
        connection.execute(text("ANALYZE"))
    engine.dispose()
    print(f"  {arguments.operators} operators and {arguments.agents} agents added; seeded in "
          f"{time.perf_counter() - started:.0f} s", flush=True)


def sample(url: str, path: Path, size: int) -> None:
    """What the locust users type: households to search for (kana, phone, 世帯番号) and printed forms' codes."""
    engine = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with engine.connect() as connection:
        households = connection.execute(text(
            "SELECT h.id, h.household_number, h.phone, p.name_kana FROM household h "
            "JOIN person p ON p.household_id = h.id AND p.is_head "
            "ORDER BY random() LIMIT :n"), {"n": size}).all()
        forms = connection.execute(text("SELECT form_id, household_id, pack FROM mailroom_issued_form "
                                        "WHERE voided_at IS NULL ORDER BY random()")).all()
    engine.dispose()
    codes = []
    for form_id, household_id, pack in forms:
        pack = json.loads(pack) if isinstance(pack, str) else pack
        key = next(key for key in pack if template_by_key(key).kind == "form")
        codes.append(PageCode(form_id=form_id, household_id=household_id, page=1, template=key).text)
    path.write_text(json.dumps({
        "households": [{"id": i, "number": n, "phone": ph or "", "kana": k or ""} for i, n, ph, k in households],
        "codes": codes}, ensure_ascii=False))


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the web process on port {port} stopped (exit {process.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the web process on port {port} did not answer in {timeout:.0f} s")


def percentile_ms(row: dict, column: str) -> float:
    value = row.get(column, "")
    return float(value) if value not in ("", "N/A") else 0.0


def report(stats_csv: Path, arguments: argparse.Namespace) -> bool:
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    print(f"\n{'endpoint':<46} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6}  (ms)")
    total = None
    for row in rows:
        if row["Name"] == "Aggregated":
            total = row
            continue
        if not int(row["Request Count"]):
            continue
        print(f"{row['Type'] + ' ' + row['Name']:<46} {int(row['Request Count']):>8} {int(row['Failure Count']):>6} "
              f"{float(row['Requests/s']):>7.1f} {percentile_ms(row, '50%'):>6.0f} {percentile_ms(row, '95%'):>6.0f} "
              f"{percentile_ms(row, '99%'):>6.0f}")
    if total is None:
        print("no requests were made")
        return False
    p95, errors = percentile_ms(total, "95%"), int(total["Failure Count"])
    print(f"{'overall':<46} {int(total['Request Count']):>8} {errors:>6} {float(total['Requests/s']):>7.1f} "
          f"{percentile_ms(total, '50%'):>6.0f} {p95:>6.0f} {percentile_ms(total, '99%'):>6.0f}")
    passed = p95 < TARGET_P95_MS and errors == 0
    print(f"\ntarget: p95 < {TARGET_P95_MS} ms and 0 errors ({arguments.operators} operators, {arguments.agents} "
          f"agents, {arguments.households:,} households, {arguments.web_workers} web processes): "
          f"p95 {p95:.0f} ms, {errors} errors: {'PASS' if passed else 'FAIL'}")
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--operators", type=int, default=50)
    parser.add_argument("--agents", type=int, default=100)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load after every user has started")
    parser.add_argument("--web-workers", type=int, default=2, help="web processes (secretariat serve), one port each")
    parser.add_argument("--printed", type=int, default=2000, help="households printed and mailed, for check-ins")
    parser.add_argument("--spawn-rate", type=float, default=30)
    parser.add_argument("--port", type=int, default=8101, help="the first web process's port")
    parser.add_argument("--keep", action="store_true", help="keep this run's database (its name is printed)")
    parser.add_argument("--seed-only", action="store_true", help="make the seeded template, then stop")
    parser.add_argument("--trace", type=Path, help="write every request as [time, endpoint, ms] to this JSON file")
    arguments = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped from outside: still stop the servers

    server_url = start_postgres()
    template = (f"secretariat_{VERSION}_{arguments.households}h_{arguments.operators}o_{arguments.agents}a_"
                f"{arguments.printed}p").replace("-", "_")
    work = Path(tempfile.mkdtemp(prefix="secretariat-load-"))
    if database_exists(server_url, template):
        print(f"seeded template {template} found; copying it")
    else:
        print(f"seeding {template} (once; reruns copy it)", flush=True)
        try:
            seed(server_url, template, arguments, work)
        except BaseException:
            sql(server_url, f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            raise
    if arguments.seed_only:
        return
    run_db = f"load_run_{os.getpid()}"
    sql(server_url, f'CREATE DATABASE "{run_db}" TEMPLATE "{template}"')
    url = database_url(server_url, run_db)
    sample(url, work / "sample.json", size=5000)

    env = product_env(url, work / "data", secrets.token_hex(32))
    cli(env, "init")  # a template seeded by an older version is upgraded, as a deployment would be
    ports = [arguments.port + n for n in range(arguments.web_workers)]
    processes = [subprocess.Popen([SECRETARIAT, "serve", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-worker", "--no-drop"], env=env, stdout=(work / f"web-{port}.log").open("w"),
                                  stderr=subprocess.STDOUT) for port in ports]
    processes.append(subprocess.Popen([SECRETARIAT, "worker"], env=env, stdout=(work / "worker.log").open("w"),
                                      stderr=subprocess.STDOUT))
    passed = False
    try:
        for port, process in zip(ports, processes):
            wait_until_up(port, process)
        users = arguments.operators + arguments.agents
        ramp = users / arguments.spawn_rate
        locust_env = {**os.environ, "LOAD_SAMPLE": str(work / "sample.json"), "LOAD_PASSWORD": PASSWORD,
                      "LOAD_PORTS": ",".join(map(str, ports)), "LOAD_OPERATORS": str(arguments.operators),
                      "LOAD_AGENTS": str(arguments.agents), "LOAD_SEED": str(random.randrange(1 << 30)),
                      "LOAD_DURATION": str(arguments.duration), "LOAD_LOGINS": str(work / "logins.json"),
                      "LOAD_TRACE": str(arguments.trace.resolve()) if arguments.trace else ""}
        print(f"locust: {arguments.operators} operators + {arguments.agents} agents over ports "
              f"{', '.join(map(str, ports))}; measured for {arguments.duration} s once all have logged in "
              f"(spawned over {ramp:.0f} s)", flush=True)
        # the locustfile stops the test; -t only bounds a run whose logins never finish
        subprocess.run([LOCUST, "-f", str(REPO / "benchmarks/load_locustfile.py"), "--headless",
                        "-u", str(users), "-r", str(arguments.spawn_rate),
                        "-t", f"{int(ramp + arguments.duration) + 600}s",
                        "--host", f"http://127.0.0.1:{ports[0]}", "--csv", str(work / "locust"), "--only-summary",
                        "--loglevel", "WARNING"], env=locust_env, check=False,
                       stdout=(work / "locust.log").open("w"), stderr=subprocess.STDOUT)
        logins = sorted(json.loads((work / "logins.json").read_text()) or [0.0])
        print(f"logins (before the measured window, not in the target): {len(logins)}, "
              f"p50 {logins[len(logins) // 2] * 1000:.0f} ms, p95 {logins[int(len(logins) * 0.95)] * 1000:.0f} ms")
        passed = report(work / "locust_stats.csv", arguments)
        failures = work / "locust_failures.csv"
        if failures.exists() and len(failures.read_text(encoding="utf-8").splitlines()) > 1:
            print(f"\nerrors:\n{failures.read_text(encoding='utf-8')}")
        print(f"logs: {work}")
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if arguments.keep:
            print(f"kept database {run_db}: {url}")
        else:
            sql(server_url, f'DROP DATABASE IF EXISTS "{run_db}" WITH (FORCE)')
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
