"""`make bench`: figures for speed, memory and language detection, written to bench/results/.

    python -m bot.bench               # everything
    python -m bot.bench langid        # language detection only (seconds)
    python -m bot.bench servers       # start the servers: memory, latency, throughput

Language detection is measured on bench/langid_corpus.yml, text written apart from the
training data, per language and per input length (one word, two words, a sentence, and
Latin-letter Dari/Pashto/Arabic), for the combined detector and for each signal alone.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

from bot.language import LanguageDetector, NgramModel, codes, load_training_samples

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "bench" / "langid_corpus.yml"
RESULTS = ROOT / "bench" / "results"
KINDS = ("words", "pairs", "sentences", "latin")

VARIANTS = {
    "combined": {"script", "langdetect", "cld2", "ngram"},
    "langdetect only": {"langdetect"},
    "pycld2 only": {"cld2"},
    "script + langdetect + pycld2": {"script", "langdetect", "cld2"},
    "n-gram model only": {"ngram"},
}


def bench_langid(corpus: Path = CORPUS) -> Dict[str, Any]:
    data = yaml.safe_load(corpus.read_text(encoding="utf-8"))
    ngram = NgramModel.train(load_training_samples())
    results: Dict[str, Any] = {"corpus": str(corpus.relative_to(ROOT)), "variants": {}}
    for name, use in VARIANTS.items():
        detector = LanguageDetector(ngram=ngram, use=use)
        table: Dict[str, Dict[str, Any]] = {}
        for code in codes():
            row: Dict[str, Any] = {}
            for kind in KINDS:
                items = (data.get(code) or {}).get(kind) or []
                if not items:
                    continue
                detections = [detector.detect(str(t)) for t in items]
                correct = sum(1 for d, _ in detections if d == code)
                confident = [(d, c) for d, c in detections if c >= 0.75]
                row[kind] = {
                    "n": len(items),
                    "accuracy": round(correct / len(items), 3),
                    # Only confident detections change the language: how often are they right?
                    "confident_share": round(len(confident) / len(items), 3),
                    "confident_precision": round(sum(1 for d, _ in confident if d == code) / len(confident), 3)
                    if confident else None,
                }  # fmt: skip
            table[code] = row
        started = time.perf_counter()
        sample = [str(t) for c in codes() for t in (data.get(c) or {}).get("sentences", [])][:200]
        for t in sample:
            detector.detect(t)
        per_message_ms = 1000 * (time.perf_counter() - started) / max(1, len(sample))
        results["variants"][name] = {"per_language": table, "ms_per_sentence": round(per_message_ms, 2)}
    return results


def langid_markdown(r: Dict[str, Any]) -> str:
    lines = ["# Language detection (bench/langid_corpus.yml)", ""]
    combined = r["variants"]["combined"]["per_language"]
    lines += [
        "## Combined detector: accuracy (share of confident detections, their precision)",
        "",
        "| language | one word | two words | sentence | Latin letters |",
        "|---|---|---|---|---|",
    ]
    for code, row in combined.items():
        cells = []
        for kind in KINDS:
            v = row.get(kind)
            if not v:
                cells.append("–")
                continue
            prec = "–" if v["confident_precision"] is None else f"{v['confident_precision']:.2f}"
            cells.append(f"{v['accuracy']:.2f} ({v['confident_share']:.2f}, {prec})")
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    lines += ["", "## Sentence accuracy by signal", "", "| language | " + " | ".join(r["variants"]) + " |",
              "|---|" + "---|" * len(r["variants"])]  # fmt: skip
    for code in combined:
        cells = []
        for name in r["variants"]:
            v = r["variants"][name]["per_language"][code].get("sentences")
            cells.append(f"{v['accuracy']:.2f}" if v else "–")
        lines.append(f"| {code} | " + " | ".join(cells) + " |")
    speeds = ", ".join(f"{n}: {v['ms_per_sentence']} ms" for n, v in r["variants"].items())
    lines += ["", f"Time per sentence: {speeds}."]
    return "\n".join(lines) + "\n"


# --- servers: memory after start, latency and throughput of whole turns ------------------


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return round(total / 1024, 1)


async def _turns(rasa_url: str, users: int, turns: int, messages: List[str]) -> Dict[str, Any]:
    import aiohttp

    latencies: List[float] = []

    async def user(session: aiohttp.ClientSession, i: int) -> None:
        sender = f"bench-{uuid.uuid4().hex}"
        for t in range(turns):
            text = messages[(i + t) % len(messages)]
            started = time.perf_counter()
            async with session.post(
                f"{rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
            ) as r:
                await r.json()
                assert r.status == 200
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(user(session, i) for i in range(users)))
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "users": users,
        "turns": len(latencies),
        "turns_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(1000 * statistics.median(latencies)),
        "p95_ms": round(1000 * latencies[int(0.95 * (len(latencies) - 1))]),
    }


def bench_servers() -> Dict[str, Any]:
    """Start the full stack on bench ports with SQLite, then measure."""
    import tempfile

    from bot.launcher import Stack, child_env, prepare, services
    from bot.settings import generate_secret
    from bot.storage import db

    tmp = Path(tempfile.mkdtemp(prefix="kompis-bench-"))
    env = {
        "RASA_PORT": "25005", "ACTION_PORT": "25055", "WEB_PORT": "28080", "KOMPIS_ENV": "bench",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}", "RASA_TOKEN": generate_secret(16),
    }  # fmt: skip
    os.environ.update(env)
    db.reset()
    model = prepare()
    stack = Stack(services(model, tmp / "logs"), env=child_env(env))
    started = time.monotonic()
    stack.start(timeout=400)
    startup_s = round(time.monotonic() - started, 1)
    try:
        time.sleep(2)
        memory = {s.name: _rss_mb(s.process.pid) for s in stack.services if s.process}
        messages = ["hej", "jag fick avslag vad gör jag nu", "man javab manfi gereftam",
                    "رفضوا طلبي شو اعمل", "where can i sleep tonight in malmo", "thanks"]  # fmt: skip
        rasa_url = f"http://127.0.0.1:{env['RASA_PORT']}"
        load = [asyncio.run(_turns(rasa_url, u, t, messages)) for u, t in ((1, 30), (20, 10))]
        memory_after = {s.name: _rss_mb(s.process.pid) for s in stack.services if s.process}
    finally:
        stack.stop()
    return {
        "model": model.name,
        "model_mb": round(model.stat().st_size / 1e6, 1),
        "startup_seconds": startup_s,
        "rss_mb_after_start": memory,
        "rss_mb_after_load": memory_after,
        "load": load,
    }


def main(argv: Optional[List[str]] = None) -> int:
    argv = argv if argv is not None else sys.argv[1:]
    what = set(argv) or {"langid", "servers"}
    RESULTS.mkdir(parents=True, exist_ok=True)
    if "langid" in what:
        r = bench_langid()
        (RESULTS / "langid.json").write_text(json.dumps(r, indent=2, ensure_ascii=False), encoding="utf-8")
        md = langid_markdown(r)
        (RESULTS / "langid.md").write_text(md, encoding="utf-8")
        print(md)
    if "servers" in what:
        r = bench_servers()
        (RESULTS / "servers.json").write_text(json.dumps(r, indent=2), encoding="utf-8")
        print(json.dumps(r, indent=2))
    print(f"Results in {RESULTS.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
