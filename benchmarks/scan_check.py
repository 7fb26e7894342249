"""Benchmark: the scan check's accuracy per field kind, page identification, and pages per second.

    .venv/bin/python benchmarks/scan_check.py [--forms 200] [--workers 2] [--seed 1]

It builds a synthetic scan corpus first (not timed): 支給要件確認書 forms rendered by the print
room, every field independently filled (ticks, crosses, circles, blacked-out boxes, handwriting,
digits, faint pencil, red seals) or left blank with dust, then fed through an imaginary scanner
(skew ±4°, scale ±3 %, shift, 30 % upside down, blur, noise, fade, 200 and 300 dpi, JPEG
quality 60–90). Then it times, on `--workers` processes, decoding the 300-dpi files alone and
the whole check on the same files, and prints per kind: fields right, uncertain (left to an
operator), false pass (a blank field judged filled: the costly mistake) and false deficiency
(a filled field judged blank).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy

from mailroom.printing.samples import synthetic_addressees
from mailroom.scanning import simulate
from mailroom.scanning.check import check_pixels
from mailroom.scanning.images import ScanError, read_pages
from templates.loader import default_templates

FORM = "kakuninsho-hikazei"


def build_corpus(folder: Path, forms: int, seed: int) -> list[dict]:
    template = default_templates()[FORM]
    rng = numpy.random.default_rng(seed)
    corpus = []
    for addressee in synthetic_addressees(forms, seed):
        form_id = f"B{addressee.household_id:06d}"
        plan = simulate.random_plan(rng, template)
        for page, image in enumerate(simulate.render_pages(template, addressee, form_id), 1):
            truth = simulate.Truth()
            simulate.fill_page(image, template, page, plan, 300, rng, truth)
            feed = simulate.Feed.random(rng)
            path = folder / f"{form_id}-{page}-{feed.dpi}.jpg"
            path.write_bytes(simulate.to_jpeg(simulate.scan(image, feed, 300, rng), feed.quality))
            kinds = {item.name: item.kind for item in template.pages[page - 1].fields}
            corpus.append(dict(path=str(path), form_id=form_id, page=page, dpi=feed.dpi, kinds=kinds,
                               upside_down=feed.upside_down, truth=truth.fields, options=truth.options))
    return corpus


def decode_only(path: str) -> int:
    return len(read_pages(path))


def check_one(path: str) -> dict:
    page = read_pages(path)[0]
    try:
        reading = check_pixels(page.pixels)
    except ScanError as error:
        return {"error": error.code}
    return {"form_id": reading.code.form_id, "page": reading.code.page,
            "fields": {name: (result.state.value, {k: v.value for k, v in result.options.items()})
                       for name, result in reading.fields.items()}}


def timed(pool, function, paths: list[str]) -> tuple[float, list]:
    start = time.perf_counter()
    results = list(pool.map(function, paths, chunksize=4))
    return time.perf_counter() - start, results


def score(corpus: list[dict], results: list[dict]) -> None:
    tally: dict[str, Counter] = defaultdict(Counter)
    identified = sum(1 for item, result in zip(corpus, results)
                     if result.get("form_id") == item["form_id"] and result.get("page") == item["page"])
    upside = [(item, result) for item, result in zip(corpus, results) if item["upside_down"]]
    for item, result in zip(corpus, results):
        if "error" in result:
            continue
        for name, filled in item["truth"].items():
            state, options = result["fields"][name]
            kind = item["kinds"][name]
            boxes = ([(options[value], truly) for value, truly in item["options"][name].items()]
                     if kind == "choice" else [(state, filled)])
            for judged, truly in boxes:
                if judged == "uncertain":
                    tally[kind]["uncertain"] += 1
                elif (judged == "filled") == truly:
                    tally[kind]["right"] += 1
                else:
                    tally[kind]["false pass" if judged == "filled" else "false deficiency"] += 1
    print(f"pages identified: {identified}/{len(corpus)} "
          f"(upside down: {sum(1 for i, r in upside if r.get('form_id') == i['form_id'])}/{len(upside)})")
    print(f"{'kind':<10}{'boxes':>7}{'right':>8}{'uncertain':>11}{'false pass':>12}{'false deficiency':>18}")
    total = Counter()
    for kind, counts in sorted(tally.items()):
        boxes = sum(counts.values())
        total.update(counts)
        print(f"{kind:<10}{boxes:>7}{counts['right']:>8}{counts['uncertain']:>11}{counts['false pass']:>12}"
              f"{counts['false deficiency']:>18}")
    boxes = sum(total.values())
    print(f"{'all':<10}{boxes:>7}{total['right']:>8}{total['uncertain']:>11}{total['false pass']:>12}"
          f"{total['false deficiency']:>18}   right {100 * total['right'] / max(1, boxes):.2f} %, "
          f"wrong {100 * (total['false pass'] + total['false deficiency']) / max(1, boxes):.2f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--forms", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the corpus here instead of a temporary folder")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="scan-corpus-"))
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    corpus = build_corpus(folder, options.forms, options.seed)
    (folder / "truth.json").write_text(json.dumps(corpus, ensure_ascii=False), encoding="utf-8")
    print(f"corpus: {len(corpus)} pages of {options.forms} forms in {time.perf_counter() - started:.0f} s ({folder})")
    with ProcessPoolExecutor(options.workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(check_one, [item["path"] for item in corpus[: options.workers * 2]]))  # warm the workers
        _seconds, results = timed(pool, check_one, [item["path"] for item in corpus])
        score(corpus, results)
        at_300 = [item["path"] for item in corpus if item["dpi"] == 300]
        decode_seconds, _ = timed(pool, decode_only, at_300)
        check_seconds, _ = timed(pool, check_one, at_300)
    print(f"300-dpi A4 JPEG pages ({len(at_300)}), {options.workers} workers: decode only "
          f"{len(at_300) / decode_seconds:.1f} pages/s, whole check {len(at_300) / check_seconds:.1f} pages/s; "
          f"the check takes {check_seconds / decode_seconds:.2f}x the decode time")


if __name__ == "__main__":
    main()
