"""What the crawl test needs: a small store in which every page has something to show, and a
crawler that walks the pages a member of staff can reach and checks each one.

The store is made through the product's flows only (as the golden pipeline test makes its own):
two municipalities, one of them with a programme whose households are in most states, a
form waiting in the uncertain-box review, two exceptions, keying tasks waiting, disputed and
settled, three decision lists (approved, approved and paid, proposed), two payment batches (paid
with one failure, and prepared), a failed transfer waiting for its keyed correction, an
escalation, an overdue call-back, an address change, a decline by phone and a reminder run.
"""

from __future__ import annotations

import csv
import queue
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy
import pypdfium2
import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import sync_playwright
from sqlmodel import select

from callcenter.inquiries.answers import load_answer_templates
from callcenter.inquiries.service import (escalate, log_inquiry, note_address_change, record_decline,
                                          schedule_callback)
from exchange.decisions.flows import approve_decision_list, propose_decision_list
from exchange.results.failures import failure_queue, get_failure, take_corrected_account
from exchange.results.payments import (approve_payment_batch, export_payment_batch, import_payment_results,
                                       prepare_payment_batch)
from exchange.results.models import PaymentLine
from exchange.results.profiles import set_bank_profile
from exchange.results.status import write_result_files
from exchange.targets.samples import csv_bytes, target_rows
from exchange.targets.service import import_target_file
from mailroom.checkin.ingest import ingest_folder
from mailroom.checkin.returns import print_return_letters
from mailroom.checkin.service import record_undeliverable
from mailroom.keying.flows import submit_entry
from mailroom.keying.models import KeyingTask
from mailroom.printing.page_code import PageCode
from mailroom.printing.reminders import print_reminders
from mailroom.printing.runs import print_programme, record_mailing
from mailroom.scanning import simulate, verdict
from secretariat.core.auth.service import actor_for
from secretariat.core.clock import today_jst
from secretariat.core.households.models import Household, Person
from secretariat.core.messages import catalogue, label
from secretariat.core.programmes.service import create_programme
from secretariat.core.synthetic import HouseholdFactory
from secretariat.core.tenancy.service import create_municipality
from templates.loader import default_templates
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.factories import SYSTEM, Factory
from tests.pipeline.test_golden_pipeline import bank_results

# The logins of the seeded store, as the demo names them; the crawl logs in as each role's.
USERNAMES = {"admin": "admin", "supervisor": "supervisor", "operator": "operator", "agent": "agent",
             "liaison": "chiba-liaison"}
SECOND_OPERATOR = "operator2"


@dataclass
class Seeded:
    programme_id: int
    municipality_code: str
    caller_number: str  # 世帯番号 of the household with calls on record, for the search pages


def _programme(session, name: str, code: str, today):
    municipality = create_municipality(session=session, actor=SYSTEM, code=code, name=name)
    programme = create_programme(session=session, actor=SYSTEM, municipality=municipality,
                                 name=f"{name} 住民税非課税世帯等臨時特別給付金",
                                 reference_date=today - timedelta(days=60), opens_date=today - timedelta(days=40),
                                 deadline_date=today + timedelta(days=10), amount_per_household_yen=30_000,
                                 amount_per_child_yen=20_000)
    return municipality, programme


def _target_file(folder: Path, name: str, households, seed: int, mistakes: bool = False) -> Path:
    rows = [list(row) for row in target_rows(households, messy=True, accounts=True, seed=seed)]
    if mistakes:  # typing mistakes a municipality's first attempt comes back with
        rows[2][4], rows[3][7], rows[4][6] = "令和元年2月30日", "263-99999", ""
    path = folder / name
    path.write_bytes(csv_bytes(rows))
    return path


def _scanned(folder: Path, run_directory: Path, forms: list[dict], plans: dict[int, dict]) -> Path:
    """The forms of the manifest rows `plans` names, filled as it says, fed square at 200 dpi (a
    skewed, noisy feed costs seconds a page and is the scan check's tests' business, not this one's),
    with the ID copy (and the bank-book copy for a new account) behind each."""
    folder.mkdir()
    template = default_templates()["kakuninsho-hikazei"]
    rng = numpy.random.default_rng(7)
    number = 0
    for row, plan in plans.items():
        document = pypdfium2.PdfDocument(str(run_directory / forms[row]["file"]))
        try:
            for page in (1, 2):
                image = document[int(forms[row]["first_page"]) - 1 + page].render(scale=300 / 72, grayscale=True)
                pixels = image.to_numpy()
                pixels = numpy.ascontiguousarray(pixels[..., 0] if pixels.ndim == 3 else pixels)
                simulate.fill_page(pixels, template, page, plan, 300, rng, simulate.Truth())
                number += 1
                (folder / f"scan-{number:05d}.jpg").write_bytes(
                    simulate.to_jpeg(simulate.scan(pixels, simulate.Feed(dpi=200), 300, rng), 85))
        finally:
            document.close()
        for _ in range(1 + (plan.get("account_choice") == "new")):
            number += 1
            copy = numpy.full((800, 1100), 240, numpy.uint8)
            copy[150:600, 100:1000] = rng.integers(90, 160)  # a photocopied card, never scanned twice the same
            copy = numpy.clip(copy + rng.normal(0, 3, copy.shape), 0, 255).astype(numpy.uint8)
            (folder / f"scan-{number:05d}.jpg").write_bytes(simulate.to_jpeg(copy, 85))
    return folder


def _key(session, task_id: int, first, second, account: str, slip: bool = False) -> None:
    """Two operators key the form blind; the second slips on the last digit if asked."""
    task = session.get(KeyingTask, task_id)
    head = session.exec(select(Person).where(Person.household_id == task.household_id,
                                             Person.is_head.is_(True))).one()
    values = dict(bank_code="0134", branch_code="001", account_type="普通", account_number=account,
                  account_holder_kana=head.name_kana, phone="")
    submit_entry(session=session, actor=first, task=task, raw=values)
    typed = dict(values, account_number=account[:-1] + str((int(account[-1]) + 1) % 10)) if slip else values
    submit_entry(session=session, actor=second, task=session.get(KeyingTask, task_id), raw=typed)


def seed_store(engine, data_dir: Path) -> Seeded:
    """Everything the pages show, made by the staff who would make it; `data_dir` is the app's."""
    factory = Factory(engine)
    today = today_jst()
    work = data_dir / "seed"
    work.mkdir(parents=True)
    with factory.session() as session:
        chiba, programme = _programme(session, "千葉県千葉市", "121002", today)
        sakai, other = _programme(session, "大阪府堺市", "271403", today)
        load_answer_templates(session)
        session.commit()
    logins = dict(USERNAMES, operator2=SECOND_OPERATOR)
    with ThreadPoolExecutor(len(logins)) as pool:  # password hashing is slow on purpose; in parallel
        users = dict(zip(logins, pool.map(lambda role: factory.user(
            role.rstrip("2"), chiba if role == "liaison" else None, username=logins[role]), logins)))
    act = {role: actor_for(user, "127.0.0.1") for role, user in users.items()}
    supervisor, liaison, agent = act["supervisor"], act["liaison"], act["agent"]
    operators = act["operator"], act["operator2"]

    with factory.session() as session:
        programme, other = session.merge(programme), session.merge(other)
        # 対象者一覧: Chiba's first file has typing mistakes and is rejected; the corrected one goes in
        households = HouseholdFactory(seed=121002, reference_date=programme.reference_date).households(14)
        for number, mistakes in ((1, True), (2, False)):
            import_target_file(session=session, actor=liaison, programme=programme,
                               path=_target_file(work, f"taishosha-121002-{number}.csv", households, 1, mistakes),
                               at=datetime.combine(today - timedelta(days=50), time(10)))
        import_target_file(session=session, actor=act["admin"], programme=other,
                           path=_target_file(work, "taishosha-271403-1.csv", HouseholdFactory(
                               seed=271403, city="大阪府堺市堺区", postal_prefix="590",
                               reference_date=other.reference_date).households(3), 2))
        session.commit()

        # 印刷 and 発送, in one wave
        run = print_programme(session=session, actor=supervisor, programme=programme,
                              out_root=data_dir / "print-runs", workers=1)
        record_mailing(session=session, actor=supervisor, run=run, mailed_on=today - timedelta(days=30))
        session.commit()
        with open(Path(run.directory) / "manifest.csv", encoding="utf-8-sig") as handle:
            forms = list(csv.DictReader(handle))
        household_of = [int(row["form_id"].split("-H")[1].split("-")[0]) for row in forms]

        # スキャン審査. The first form comes back alone, in a batch read with a band so wide that its
        # ticks are uncertain: it waits in the review. Scanned again in the next batch, it is an exception.
        rng = numpy.random.default_rng(11)
        on_file = simulate.complete_plan(rng, new_account=False)
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(verdict.BANDS, "checkbox", verdict.Band(blank=0.01, filled=1000.0, stroke=1000.0))
            ingest_folder(session=session, actor=operators[0], store_root=data_dir / "scans",
                          folder=_scanned(work / "scanner-1", Path(run.directory), forms, {0: on_file}),
                          arrived_on=today - timedelta(days=21))
        new = simulate.complete_plan(rng, new_account=True)
        declining = dict(on_file, receive=False, decline=True)
        unsigned = simulate.damage(on_file, "signature")
        #                0 again     1       2       3       4             5             6       7       8
        plans = dict(enumerate([on_file, new, new, new, declining, unsigned, new, new, new]))
        folder = _scanned(work / "scanner-2", Path(run.directory), forms, plans)
        good = sorted(folder.iterdir())[-1].read_bytes()
        (folder / "zz-corrupt.jpg").write_bytes(good[:20] + b"\x00" * 5000 + good[-2:])
        ingest_folder(session=session, actor=operators[0], folder=folder, store_root=data_dir / "scans",
                      arrived_on=today - timedelta(days=20))
        session.commit()
        print_return_letters(session=session, actor=operators[0], programme=programme,
                             out_root=data_dir / "returns")
        record_undeliverable(session=session, actor=operators[0], returned_on=today - timedelta(days=18),
                             code=PageCode(form_id=forms[9]["form_id"], household_id=household_of[9], page=1,
                                           template=default_templates()["cover-letter"].key))
        session.commit()

        task_of = {task.household_id: task.id for task in session.exec(select(KeyingTask))}
        # 申請データ入力 and 支給決定: list 1 (forms 1 and 2) is approved and paid, one transfer failing
        _key(session, task_of[household_of[1]], *operators, account="1000001")
        _key(session, task_of[household_of[2]], *operators, account="1000002")
        decision = propose_decision_list(session=session, actor=supervisor, programme=programme,
                                         out_root=data_dir / "decisions")
        approve_decision_list(session=session, actor=liaison, decision=decision)
        set_bank_profile(session=session, actor=liaison, programme=programme, requester_code="1234567890",
                         requester_name="チバシ キユウフキン", from_bank_code="0134", from_branch_code="001",
                         from_account_number="1234567")
        outbox = data_dir / "drop" / "121002" / "outbox"
        prepared = prepare_payment_batch(session=session, actor=supervisor, programme=programme,
                                         transfer_date=today - timedelta(days=8))
        approve_payment_batch(session=session, actor=liaison, batch=prepared.batch)
        export_payment_batch(session=session, actor=liaison, batch=prepared.batch, out_dir=outbox)
        session.commit()
        lines = session.exec(select(PaymentLine).where(PaymentLine.batch_id == prepared.batch.id)
                             .order_by(PaymentLine.household_number)).all()
        import_payment_results(session=session, actor=liaison, programme=programme,
                               path=bank_results(work, "kekka-1.csv", [[lines[0].household_number, "振込不能", "口座なし"]]
                                                 + [[line.household_number, "振込済", ""] for line in lines[1:]]))
        [failure] = failure_queue(session=session, actor=supervisor, programme=programme)
        take_corrected_account(session=session, actor=agent, channel="phone",
                               line=get_failure(session=session, actor=agent, line_id=failure.line.id))
        session.commit()
        # list 2 (form 6) approved, its batch prepared and waiting for the liaison; list 3 (form 7) proposed
        _key(session, task_of[household_of[6]], *operators, account="1000006")
        decision = propose_decision_list(session=session, actor=supervisor, programme=programme,
                                         out_root=data_dir / "decisions")
        approve_decision_list(session=session, actor=liaison, decision=decision)
        prepare_payment_batch(session=session, actor=supervisor, programme=programme, transfer_date=today)
        _key(session, task_of[household_of[7]], *operators, account="1000007")
        propose_decision_list(session=session, actor=supervisor, programme=programme, out_root=data_dir / "decisions")
        # form 3's two entries differ: a verifier's; form 8 waits for its first entry
        _key(session, task_of[household_of[3]], *operators, account="1000003", slip=True)
        session.commit()

        # コールセンター: an escalation, an overdue call-back, an address change, a decline by phone
        caller = session.get(Household, household_of[10])
        asked = log_inquiry(session=session, actor=agent, programme=programme, household=caller,
                            category="eligibility", text="去年転入したが対象か知りたい")
        escalate(session=session, actor=agent, inquiry=asked, question="令和7年1月に転入。課税状況を確認してください")
        moved = log_inquiry(session=session, actor=agent, programme=programme, household=caller,
                            category="address_change", text="転居したので書類の送付先を変えたい")
        schedule_callback(session=session, actor=agent, inquiry=moved, phone="0432451234",
                          due=datetime.combine(today - timedelta(days=1), time(1)))
        note_address_change(session=session, actor=agent, inquiry=moved, postal_code="2600013",
                            address="千葉県千葉市中央区中央1-1-1")
        declines = log_inquiry(session=session, actor=agent, programme=programme,
                               household=session.get(Household, household_of[11]), category="decline")
        record_decline(session=session, actor=agent, inquiry=declines)
        session.commit()

        # 督促 for the households that have not replied, and the day's lists in the outbox
        print_reminders(session=session, actor=supervisor, programme=programme, out_root=data_dir / "print-runs",
                        on=today)
        write_result_files(session=session, actor=supervisor, programme=programme, out_dir=outbox, on=today)
        session.commit()
        return Seeded(programme_id=programme.id, municipality_code=chiba.code, caller_number=caller.household_number)


# --- the crawl -----------------------------------------------------------------------------------

WIDTHS = {1280: 720, 390: 844}
PER_PATTERN = 2   # distinct URLs visited per route pattern (ids normalised)
MAX_PAGES = 80    # per role and width: a loop of ever-new links fails here, not in the CI's timeout
# Links that download a file, change state, or answer something other than a page.
DOWNLOADS = re.compile(r"(\.(csv|xlsx|pdf|zip|txt|png|jpe?g|json|js|css|yaml)|/image)$", re.I)
NOT_PAGES = ("/logout", "/api/", "/static/", "/healthz", "/callcenter/twilio")

# Text that is legitimately not Japanese, each with why. Everything else with an ASCII word of three
# or more letters is untranslated. Codes beside their Japanese name (受付済み（received）, the
# catalogue's `label_code`) and text inside <code>, <kbd>, <samp> or translate="no" are allowed
# wherever they appear, below.
ALLOWED = {
    # file formats, encodings and networks: Japanese staff say and read them so
    "CSV", "XLSX", "Excel", "PDF", "ZIP", "YAML", "SFTP", "LGWAN", "QR", "URL", "SMS", "Shift_JIS", "SHA-256", "Zengin",
    # keys, as printed on the keyboard (Enter で確定)
    "Enter", "Tab", "Esc", "Shift", "Space",
    "ATM", "API",  # written so in Japanese (APIトークン)
    "WAPE",  # the forecast error measure, shown beside its Japanese name 予測誤差
}
FILE_NAME = re.compile(r"^[\w.\-]+\.(csv|xlsx|pdf|zip|txt|png|jpe?g|yaml)$", re.I)
E_MAIL = re.compile(r"^[^@\s]+@[^@\s]+\.\w+$")
PAGE_CODE = re.compile(r"^SCT1\|")  # the printed page code, scanned and typed as it is
WORD = re.compile(r"[A-Za-z]{3,}")
ASCII_RUN = re.compile(r"[!-~]+")
BESIDE = re.compile(r"[（(]([!-~]+?)[）)]")

VISIBLE_TEXT = """() => {
  const hidden = el => {
    const host = el.closest("option") ? el.closest("select")
               : el.closest("details:not([open]) > :not(summary)") ? el.closest("details") : el;
    return !host || !host.checkVisibility({visibilityProperty: true});
  };
  const exempt = el => el.closest('[translate="no"], code, kbd, samp, script, style, noscript, template');
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement, text = node.textContent.replace(/\\s+/g, " ").trim();
    if (text && el && !exempt(el) && !hidden(el)) texts.push(text);
  }
  // what a user reads or hears that is not a text node: placeholders, button captions, tooltips, labels
  for (const el of document.body.querySelectorAll("[placeholder], [title], [aria-label], img[alt], "
                                                  + "input[type=submit][value], input[type=button][value]")) {
    if (exempt(el)) continue;
    for (const name of ["placeholder", "title", "aria-label", "alt", "value"])
      if (el.hasAttribute(name) && (name !== "value" || el.type === "submit" || el.type === "button"))
        texts.push(el.getAttribute(name).trim());
  }
  return texts.filter(Boolean);
}"""

# The elements that stick out past the right edge, innermost first, to name in a finding.
OVERFLOWING = """(width) => {
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                     + (el.classList.length ? "." + [...el.classList].join(".") : "");
  const wide = [...document.body.querySelectorAll("*")].filter(el => el.getBoundingClientRect().right > width + 1);
  return wide.filter(el => !wide.some(other => other !== el && el.contains(other)))
             .slice(0, 4).map(el => name(el) + " (" + Math.round(el.getBoundingClientRect().right) + "px)");
}"""


@dataclass
class Finding:
    role: str
    width: int
    url: str
    pattern: str
    check: str  # untranslated, axe, overflow, status
    detail: str
    template: str = ""

    def line(self) -> str:
        return f"{self.role} {self.width}px {self.url} [{self.check}] {self.detail}"


def pattern_of(url: str) -> str:
    """/decisions/3/list?x=1 → /decisions/{n}/list?x: the route, whatever the ids and values."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/{n}", parts.path)
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return path + ("?" + "&".join(keys) if keys else "")


def followable(url: str, base: str) -> bool:
    parts = urlsplit(url)
    return (url.startswith(base) and not DOWNLOADS.search(parts.path)
            and not any(parts.path.startswith(prefix) for prefix in NOT_PAGES))


def _beside_its_name(text: str, start: int, code: str) -> bool:
    """`code` in brackets right after its catalogue name, as `label_code` writes it."""
    before = text[:start].rstrip()
    return any(name != code and before.endswith(name)
               for name in {label(kind, code) for kind in catalogue()})


def untranslated(texts: list[str], usernames: set[str]) -> list[str]:
    """Each text that holds an ASCII word none of the allowed things above, with its words."""
    found: list[str] = []
    for text in texts:
        shown = text
        for match in BESIDE.finditer(text):
            if _beside_its_name(text, match.start(), match.group(1)):
                text = text.replace(match.group(0), "（）", 1)
        words = []
        for run in ASCII_RUN.findall(text):
            token = run.strip("()[]{}<>,;:!?\"'.")
            if not WORD.search(token) or token in ALLOWED or token in usernames:
                continue
            if FILE_NAME.match(token) or E_MAIL.match(token) or PAGE_CODE.match(token) or "://" in token:
                continue
            words.append(token)
        if words:
            found.append(f"「{shown[:100]}」 ({', '.join(dict.fromkeys(words))})")
    return list(dict.fromkeys(found))


@dataclass
class Crawl:
    """One role's walk at one width: what it visited and what it found.

    Every URL visited has its text and its answer checked; the first of each route pattern also gets
    the fit and (if asked) a screenshot, since those come from the route's template. axe-core (a
    second a page) runs once per route and width, in the first crawl to reach it when the crawls share
    `axed`: run the roles that see the most controls first. At 390 px one URL per pattern is enough."""

    role: str
    width: int
    base: str
    usernames: set[str]
    screenshots: Path | None = None
    shots: dict[str, str] = field(default_factory=dict)  # route pattern → page name in the file name
    axed: set | None = None  # (route pattern, width) axe has seen, shared by the roles' crawls
    visited: dict[str, list[str]] = field(default_factory=dict)  # route pattern → URLs
    findings: list[Finding] = field(default_factory=list)

    @property
    def per_pattern(self) -> int:
        return PER_PATTERN if self.width >= 1000 else 1

    def find(self, url: str, check: str, detail: str, template: str) -> None:
        self.findings.append(Finding(self.role, self.width, url.removeprefix(self.base), pattern_of(url), check,
                                     detail, template))

    def run(self, page, starts: list[str]) -> "Crawl":
        queue = [self.base + start for start in starts]
        seen: set[str] = set()
        while queue and sum(len(urls) for urls in self.visited.values()) < MAX_PAGES:
            url = queue.pop(0).split("#")[0]
            pattern = pattern_of(url)
            if url in seen or len(self.visited.get(pattern, [])) >= self.per_pattern:
                continue
            seen.add(url)
            self.visited.setdefault(pattern, []).append(url)
            first = len(self.visited[pattern]) == 1
            queue += [link for link in self.visit(page, url, first) if followable(link, self.base) and link not in seen]
            if pattern_of(page.url) != pattern:  # a redirect: the page shown is that route's
                self.visited.setdefault(pattern_of(page.url), []).append(page.url)
        return self

    def first_to_axe(self, pattern: str) -> bool:
        if self.axed is None:
            return True
        with AXED:
            seen = (pattern, self.width) in self.axed
            self.axed.add((pattern, self.width))
            return not seen

    def visit(self, page, url: str, first: bool) -> list[str]:
        """Check one page; returns its links."""
        answer = page.goto(url, wait_until="load")
        template = (answer.headers.get("x-crawl-template", "") if answer else "")
        if answer is None or answer.status >= 500 or (answer.status >= 400 and not url.endswith(EXPECTED_MISSING)):
            self.find(url, "status", f"HTTP {answer.status if answer else '—'}", template)
        if answer is None or "text/html" not in answer.headers.get("content-type", ""):
            return []
        for text in untranslated(page.evaluate(VISIBLE_TEXT), self.usernames):
            self.find(url, "untranslated", text, template)
        if first and self.first_to_axe(pattern_of(url)):
            for violation in axe_violations(page):
                self.find(url, "axe", violation, template)
        if first:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > self.width:
                wide = ", ".join(page.evaluate(OVERFLOWING, self.width))
                self.find(url, "overflow", f"scrollWidth {scroll}px > {self.width}px: {wide}", template)
            name = self.shots.pop(pattern_of(page.url), None)
            if self.screenshots and name:
                self.screenshots.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(self.screenshots / f"{self.role}-{name}-{self.width}.png"))
        return page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")


def axe_violations(page) -> list[str]:
    """axe-core's serious and critical violations, each with the first elements it names. The script
    is the one axe-playwright-python bundles: nothing is fetched."""
    page.evaluate(AXE_SCRIPT)
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']} {v['id']}: {v['help']} — "
            + "; ".join(f"{' '.join(node['target'])} {node['html'][:90]}" for node in v["nodes"][:3])
            + (f" (+{len(v['nodes']) - 3} more)" if len(v["nodes"]) > 3 else "")
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


EXPECTED_MISSING = "/households/999999999"  # the error page, visited on purpose
AXED = threading.Lock()


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


@dataclass
class Job:
    crawl: Crawl
    username: str | None  # None: not logged in
    starts: list[str]


def crawl_all(jobs: list[Job], password: str, workers: int = 2) -> None:
    """Run the crawls on `workers` threads, each with its own Chromium (Playwright's sync API is one
    instance per thread): the machine's cores check pages while the server answers."""
    waiting: queue.Queue[Job] = queue.Queue()
    for job in jobs:
        waiting.put(job)

    def work() -> None:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                while True:
                    try:
                        job = waiting.get_nowait()
                    except queue.Empty:
                        return
                    context = browser.new_context(locale="ja-JP",
                                                  viewport={"width": job.crawl.width, "height": WIDTHS[job.crawl.width]})
                    try:
                        page = context.new_page()
                        if job.username:
                            log_in(page, job.crawl.base, job.username, password)
                        job.crawl.run(page, job.starts)
                    finally:
                        context.close()
            finally:
                browser.close()

    with ThreadPoolExecutor(workers) as pool:
        for done in [pool.submit(work) for _ in range(workers)]:
            done.result()
