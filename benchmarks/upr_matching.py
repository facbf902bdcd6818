"""How well and how fast `rightsdata.upr_matching.match` pairs the UPR transcription's
recommending-state rows (the package's data/) with UPR Info's export (../shared/uprinfo/*.csv,
parsed here). A script, not a test: it prints the time, the share of the rows of sessions 1-17
matched on each side, the pairs per method, samples of the pairs of each method and of the rows
left unmatched with why.

    python benchmarks/upr_matching.py [--shared ../shared] [--runs 3] [--samples 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

from rightsdata import tables
from rightsdata.countries import CountryNames, UnknownCountry
from rightsdata.upr_matching import METHODS, Recommendation, StateRow, match, pairing_problems, strip_closing_parentheses, strip_number

REPO = Path(__file__).resolve().parent.parent
UNKNOWN_STATE = "&#40;Unknown&#41;"
BOTH = range(1, 18)  # the sessions both sources hold


def transcription(package_dir: Path) -> list[Recommendation]:
    """The package's transcription as `Recommendation`s (review, text, states), as the importer
    of UPR Info's export reads it from the package."""
    from rightsdata.importers.uprinfo import Importer

    return Importer(package_dir).transcription()


def uprinfo(package_dir: Path, folder: Path, responses: dict[str, str] | None = None) -> list[Recommendation]:
    """UPR Info's export files as `Recommendation`s: the rows of one review (state under review
    and session) with the same text, response, action and issues are one recommendation, its
    states numbered in file order. The ids are made up here (file stem, review, number); each
    one's response (Supported, Noted) goes into `responses` when given."""
    names = CountryNames(package_dir)

    def code(name: str) -> str | None:
        if name == UNKNOWN_STATE:
            return None
        try:
            return names.code(name)
        except UnknownCountry:
            return None

    recs = []
    for path in sorted(folder.glob("[0-9]*.csv")):
        source_id = "uprinfo-" + path.name.split("-UPR-INFO")[0]
        grouped: dict[tuple, list[str]] = {}
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=";")
            header = next(reader)
            if header != ["SuR", "Rgrp", "Org", "Recommendation", "RS", "Rgrp", "Org", "Response", "Action", "Issue", "Session"]:
                raise SystemExit(f"{path}: unexpected header {header}")
            for row in reader:
                sur, _, _, text, rs, _, _, response, action, issue, session = row
                grouped.setdefault((sur, session, text, response, action, issue), []).append(rs)
        numbers: Counter = Counter()
        for (sur, session, text, response, _, _), rss in grouped.items():
            country = code(sur)
            numbers[sur, session] += 1
            rec_id = f"{source_id}-{country}-{session or 'none'}-{numbers[sur, session]}"
            if responses is not None:
                responses[rec_id] = response
            recs.append(Recommendation(rec_id, source_id, country, int(session) if session else None, None, text,
                                       [StateRow(rec_id, source_id, n, code(rs), rs) for n, rs in enumerate(rss, 1)]))
    return recs


def session_years(folder: Path) -> dict[int, int]:
    with open(folder / "upr_sessions_years.csv", encoding="utf-8-sig", newline="") as f:
        return {int(r["session"]): int(r["year"]) for r in csv.DictReader(f)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=10, help="pairs shown per method, rows shown per reason")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--below", type=float, default=1.0, help="show only similar_text and part_of_text pairs below this similarity")
    args = parser.parse_args()
    folder = args.shared / "uprinfo"
    start = time.perf_counter()
    responses = {r["recommendation_id"]: r["response"] for r in tables.read_rows(REPO, "upr_recommendations")}
    ours, theirs, years = transcription(REPO), uprinfo(REPO, folder, responses), session_years(folder)
    print(f"loaded in {time.perf_counter() - start:.2f} s: transcription {len(ours)} recommendations, "
          f"{sum(len(r.states) for r in ours)} state rows; UPR Info {len(theirs)} recommendations, "
          f"{sum(len(r.states) for r in theirs)} state rows")
    times, cpu = [], []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        matches = match(ours, theirs, years)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"match over {args.runs} runs: median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s "
          f"(CPU: median {statistics.median(cpu):.2f} s; the machine's load makes wall time vary)")

    # one-to-one, always (but for the parts of a recommendation UPR Info split)
    problems = pairing_problems(matches)
    assert not problems, problems[:5]
    rec_of = {s: r for recs in (ours, theirs) for r in recs for s in r.states}
    sessions = {r.country: set() for r in theirs}
    for r in theirs:
        if r.session is not None:
            sessions[r.country].add(r.session)

    def session(rec: Recommendation) -> int | None:
        if rec.session is not None:
            return rec.session
        found = {s for s in sessions.get(rec.country, ()) if years.get(s) in (rec.year, rec.year - 1)}
        return found.pop() if len(found) == 1 else None

    paired_ours = {m.transcription for m in matches}
    paired_theirs = {m.uprinfo for m in matches}
    our_rows = [s for r in ours if session(r) in BOTH for s in r.states]
    their_rows = [s for r in theirs if r.session in BOTH for s in r.states]
    n_ours = sum(s in paired_ours for s in our_rows)
    n_theirs = sum(s in paired_theirs for s in their_rows)
    print(f"transcription state rows of sessions 1-17 matched: {n_ours} / {len(our_rows)} ({100 * n_ours / len(our_rows):.2f}%)"
          f"; all sessions: {len(paired_ours)} / {sum(len(r.states) for r in ours)}")
    print(f"UPR Info state rows of sessions 1-17 matched: {n_theirs} / {len(their_rows)} ({100 * n_theirs / len(their_rows):.2f}%)")
    methods = Counter(m.method for m in matches)
    print("pairs per method: " + ", ".join(f"{k} {methods[k]}" for k in METHODS))
    for method in ("similar_text", "part_of_text", "other_part_of_text"):
        sims = [m.similarity for m in matches if m.method == method]
        if sims:
            print(f"{method} similarity (whole texts): min {min(sims)}, median {statistics.median(sims)}, "
                  f"below 0.9: {sum(s < 0.9 for s in sims)}, below 0.7: {sum(s < 0.7 for s in sims)}")

    # a check on the pairs that does not depend on their texts: where both responses are final,
    # pairs of one recommendation should agree about as often whatever the method
    final = {"supported": "Supported", "already_implemented": "Supported", "not_supported": "Noted", "noted": "Noted"}
    for method in METHODS:
        both = [(final[responses[m.transcription.recommendation_id]], responses[m.uprinfo.recommendation_id])
                for m in matches if m.method == method and responses[m.transcription.recommendation_id] in final]
        if both:
            differ = sum(a != b for a, b in both)
            print(f"{method}: final responses differ in {differ} of {len(both)} pairs ({100 * differ / len(both):.1f}%)")

    rng = random.Random(args.seed)
    for method in METHODS:
        pairs = [m for m in matches if m.method == method and (method not in ("similar_text", "part_of_text") or m.similarity < args.below)]
        print(f"\n== sample of {method} ({len(pairs)})")
        for m in sorted(rng.sample(pairs, min(args.samples, len(pairs))), key=lambda m: m.similarity):
            a, b = rec_of[m.transcription], rec_of[m.uprinfo]
            print(f"- {m.similarity} {a.recommendation_id} #{m.transcription.position} {m.transcription.state_as_printed} | "
                  f"{b.recommendation_id} #{m.uprinfo.position} {m.uprinfo.state_as_printed}")
            print(f"  T: {strip_closing_parentheses(strip_number(a.text)).strip()}")
            print(f"  U: {b.text.strip()}")

    # why rows stay unmatched
    by_review_state: dict[tuple, list[StateRow]] = defaultdict(list)
    reviews_of: dict[int, set] = {0: set(), 1: set()}
    for side, recs in enumerate((ours, theirs)):
        for r in recs:
            s = session(r) if side == 0 else r.session
            reviews_of[side].add((r.country, s))
            for st in r.states:
                by_review_state[side, r.country, s, st.country].append(st)
    for side, (rows, paired) in enumerate(((our_rows, paired_ours), (their_rows, paired_theirs))):
        reasons: dict[str, list[StateRow]] = defaultdict(list)
        for st in rows:
            if st in paired:
                continue
            r = rec_of[st]
            s = session(r) if side == 0 else r.session
            if st.country is None:
                reason = "recommending state not mapped to a country"
            elif (r.country, s) not in reviews_of[1 - side]:
                reason = "review absent on the other side"
            elif not [o for o in by_review_state[1 - side, r.country, s, st.country] if o not in (paired_ours, paired_theirs)[1 - side]]:
                reason = "no unpaired row of that review and recommending state on the other side"
            else:
                reason = "texts differ from every unpaired row of that review and state on the other side"
            reasons[reason].append(st)
        name = ("transcription", "UPR Info")[side]
        print(f"\n== unmatched {name} rows of sessions 1-17: {sum(map(len, reasons.values()))}")
        for reason, sts in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
            print(f"-- {reason}: {len(sts)}")
            for st in rng.sample(sts, min(args.samples, len(sts))):
                r = rec_of[st]
                print(f"   {r.recommendation_id} #{st.position} {st.state_as_printed!r} ({st.country}): {r.text.strip()[:160]!r}")


if __name__ == "__main__":
    main()
