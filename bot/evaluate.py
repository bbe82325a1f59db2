"""`make eval`: how well Kompis understands each language, on text it never trained on.

Trains on the training split (data/nlu, the same model `make run` uses) and parses
every message of two held-out sets through the whole NLU pipeline, safety net included:
- tests/nlu_test/<lang>.yml, the test set: written after all training data, by writers
  who never saw the training data, and never used for any decision. The figures.
- tests/nlu_holdout/<lang>.yml, the first held-out set: never trained on, but its errors
  guided the second round of training data, so its figures are optimistic. The
  maintainers' loop uses it as its before/after gate.
Writes to eval/results/:
- nlu.json, nlu.md, nlu.png: the test set (per language accuracy, macro-F1, fallback
  rate, worst confusions, every error; a sweep of the fallback threshold);
- holdout.json, holdout.md: the same for the first held-out set.

    python -m bot.evaluate                    # the model of config.yml
    python -m bot.evaluate --config X.yml     # an experiment (NLU-only model)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import yaml

from bot import language as lang_mod
from bot.datacheck import load_examples
from bot.training import ROOT, ensure_model, rasa_env

HOLDOUT = ROOT / "tests" / "nlu_holdout"
TEST = ROOT / "tests" / "nlu_test"
RESULTS = ROOT / "eval" / "results"
FALLBACK = "nlu_fallback"


def holdout(codes: Sequence[str], directory: Optional[Path] = None) -> Dict[str, List[Tuple[str, str]]]:
    directory = directory or HOLDOUT
    return {c: load_examples(directory / f"{c}.yml") for c in codes if (directory / f"{c}.yml").exists()}


def macro_f1(gold: Sequence[str], pred: Sequence[str]) -> float:
    """Macro-averaged F1 over the gold labels (a predicted fallback counts as wrong)."""
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, pred) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, pred) if g == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


async def _parse_all(model: Path, texts: List[str]) -> List[Dict[str, Any]]:
    import logging

    import structlog
    from rasa.core.agent import Agent

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    agent = Agent.load(str(model))
    return [await agent.parse_message(t) for t in texts]


def top_intent(parsed: Dict[str, Any]) -> Tuple[str, float]:
    """The classifier's best intent and confidence, looking past a fallback and past the
    crisis safety net (which puts its intent first in the ranking when it overrides the
    classifier; when the classifier already chose a crisis intent, the ranking is its own)."""
    ranking = list(parsed.get("intent_ranking") or [])
    net = parsed.get("safety_net") or {}
    if net and ranking and ranking[0].get("name") != net.get("classifier"):
        ranking = ranking[1:]
    for r in ranking:
        if r.get("name") and r["name"] != FALLBACK:
            return r["name"], float(r.get("confidence") or 0.0)
    intent = parsed.get("intent") or {}
    return intent.get("name") or FALLBACK, float(intent.get("confidence") or 0.0)


def configured_threshold(config: Path = ROOT / "config.yml") -> float:
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    for c in data["pipeline"]:
        if c["name"] == "FallbackClassifier":
            return float(c.get("threshold", 0.3))
    return 0.0


def threshold_sweep(gold: Sequence[str], tops: Sequence[Tuple[str, float]]) -> List[Dict[str, float]]:
    """Macro-F1 and fallback rate if the FallbackClassifier threshold were t."""
    rows = []
    for t in [x / 20 for x in range(0, 17)]:
        pred = [name if conf >= t else FALLBACK for name, conf in tops]
        rows.append({
            "threshold": t,
            "macro_f1": round(macro_f1(gold, pred), 4),
            "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / max(1, len(gold)), 4),
            "fallback_rate": round(sum(p == FALLBACK for p in pred) / max(1, len(gold)), 4),
            "wrong_answer_rate": round(sum(p not in (g, FALLBACK) for g, p in zip(gold, pred)) / max(1, len(gold)), 4),
        })  # fmt: skip
    return rows


def evaluate(model: Path, codes: Sequence[str], holdout_dir: Optional[Path] = None) -> Dict[str, Any]:
    """Per-language figures for a model on the held-out sets."""
    sets = holdout(codes, holdout_dir)
    flat = [(c, t, i) for c, examples in sets.items() for t, i in examples]
    started = time.monotonic()
    parsed = asyncio.run(_parse_all(model, [t for _, t, _ in flat]))
    seconds = time.monotonic() - started
    per_lang: Dict[str, Dict[str, Any]] = {}
    for code in sets:
        rows = [(i, p) for (c, _, i), p in zip(flat, parsed) if c == code]
        gold = [g for g, _ in rows]
        pred = [p["intent"]["name"] for _, p in rows]
        raw = [top_intent(p)[0] for _, p in rows]
        confusions = Counter((g, p) for g, p in zip(gold, pred) if g != p and p != FALLBACK)
        per_lang[code] = {
            "examples": len(rows),
            "accuracy": round(sum(g == p for g, p in zip(gold, pred)) / len(rows), 4),
            "macro_f1": round(macro_f1(gold, pred), 4),
            "fallback_rate": round(sum(p == FALLBACK for p in pred) / len(rows), 4),
            "raw_macro_f1": round(macro_f1(gold, raw), 4),
            "worst_confusions": [
                {"gold": g, "predicted": p, "count": n} for (g, p), n in confusions.most_common(5)
            ],
            "errors": [
                {"text": t, "gold": i, "predicted": p["intent"]["name"], "top": top_intent(p)[0],
                 "confidence": round(top_intent(p)[1], 3)}
                for (c, t, i), p in zip(flat, parsed)
                if c == code and p["intent"]["name"] != i
            ],
        }  # fmt: skip
    all_gold = [i for _, _, i in flat]
    all_pred = [p["intent"]["name"] for p in parsed]
    return {
        "model": model.name,
        "threshold_sweep": threshold_sweep(all_gold, [top_intent(p) for p in parsed]),
        "languages": per_lang,
        "overall": {
            "examples": len(flat),
            "accuracy": round(sum(g == p for g, p in zip(all_gold, all_pred)) / max(1, len(flat)), 4),
            "macro_f1": round(macro_f1(all_gold, all_pred), 4),
            "fallback_rate": round(sum(p == FALLBACK for p in all_pred) / max(1, len(flat)), 4),
            "raw_macro_f1": round(macro_f1(all_gold, [top_intent(p)[0] for p in parsed]), 4),
            "parse_ms_per_message": round(1000 * seconds / max(1, len(flat)), 1),
        },
    }


def write_report(
    result: Dict[str, Any],
    out: Path = RESULTS,
    name: str = "nlu",
    title: str = "the test set (tests/nlu_test)",
) -> None:
    """<name>.json, <name>.md and, for the test set, <name>.png."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    lines = [
        f"# NLU evaluation on {title} ({result['model']})",
        "",
        "Figures are for the whole pipeline (fallback threshold from config.yml, safety net on);",
        "raw macro-F1 ignores the fallback (the classifier's best intent).",
        "",
        "| language | examples | accuracy | macro-F1 | raw macro-F1 | fallback rate | worst confusions |",
        "|---|---|---|---|---|---|---|",
    ]
    for code, r in result["languages"].items():
        worst = "; ".join(f"{c['gold']}→{c['predicted']} ({c['count']})" for c in r["worst_confusions"][:3])
        lines.append(
            f"| {code} | {r['examples']} | {r['accuracy']:.3f} | {r['macro_f1']:.3f} | {r['raw_macro_f1']:.3f} "
            f"| {r['fallback_rate']:.3f} | {worst} |"
        )
    o = result["overall"]
    lines.append(
        f"| all | {o['examples']} | {o['accuracy']:.3f} | {o['macro_f1']:.3f} | {o['raw_macro_f1']:.3f} "
        f"| {o['fallback_rate']:.3f} | |"
    )
    lines += [
        "",
        "## Fallback threshold sweep (all languages)",
        "",
        "| threshold | macro-F1 | accuracy | fallback rate | wrong answers |",
        "|---|---|---|---|---|",
    ]
    for row in result["threshold_sweep"]:
        lines.append(
            f"| {row['threshold']:.2f} | {row['macro_f1']:.3f} | {row['accuracy']:.3f} "
            f"| {row['fallback_rate']:.3f} | {row['wrong_answer_rate']:.3f} |"
        )
    (out / f"{name}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if name == "nlu":
        _chart(result, out / "nlu.png")


def _chart(result: Dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    codes = list(result["languages"])
    f1 = [result["languages"][c]["macro_f1"] for c in codes]
    acc = [result["languages"][c]["accuracy"] for c in codes]
    fb = [result["languages"][c]["fallback_rate"] for c in codes]
    x = range(len(codes))
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    w = 0.27
    ax.bar([i - w for i in x], f1, w, label="macro-F1")
    ax.bar(list(x), acc, w, label="accuracy")
    ax.bar([i + w for i in x], fb, w, label="fallback rate")
    ax.axhline(0.90, color="black", linestyle="--", linewidth=1, label="target 0.90")
    ax.set_xticks(list(x))
    ax.set_xticklabels(codes)
    ax.set_ylim(0, 1.0)
    ax.set_title(f"Kompis NLU on the test set ({result['model']})")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def train_experiment(config: Path) -> Path:
    """An NLU-only model for a config (for comparing pipelines)."""
    out = ROOT / "var" / "experiments"
    name = f"nlu-{config.stem}"
    cmd = [sys.executable, "-m", "rasa", "train", "nlu", "--config", str(config),
           "--nlu", str(ROOT / "data" / "nlu"), "--out", str(out), "--fixed-model-name", name]  # fmt: skip
    subprocess.run(cmd, cwd=ROOT, env=rasa_env(), check=True, stdout=subprocess.DEVNULL)
    return out / f"{name}.tar.gz"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, help="evaluate an NLU-only model of this config")
    parser.add_argument("--model", type=Path, help="evaluate this model file")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    model = args.model or (train_experiment(args.config) if args.config else ensure_model())
    result = evaluate(model, lang_mod.codes(), TEST)
    write_report(result, args.out)
    first = evaluate(model, lang_mod.codes(), HOLDOUT)
    write_report(first, args.out, "holdout", "the first held-out set (tests/nlu_holdout; optimistic)")
    print((args.out / "nlu.md").read_text(encoding="utf-8"))
    print((args.out / "holdout.md").read_text(encoding="utf-8").split("## Fallback")[0])
    print(f"Written to {args.out}/nlu.json, nlu.md, nlu.png, holdout.json and holdout.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
