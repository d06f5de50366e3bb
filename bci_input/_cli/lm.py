"""``bci-input lm``: try the language model, benchmark it, and fetch a Hugging Face model (the only step online)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
from pathlib import Path

from .._errors import ConfigError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``lm`` subcommand with ``complete``, ``bench`` and ``fetch``."""
    p = sub.add_parser("lm", help="language model: try completions and rewrites, run the KSR benchmark")
    lm_sub = p.add_subparsers(dest="lm_command", metavar="ACTION")

    def backend_args(q: argparse.ArgumentParser) -> None:
        q.add_argument("--backend", choices=["local", "http", "wordfreq"], help="override [language] backend")
        q.add_argument("--model", help="local model: empty for the default, 'light' for the small bundled one, "
                       "qwen2.5-coder-1.5b, a .gguf file, or a Hugging Face model folder or hub id")
        q.add_argument("--engine", choices=["auto", "llama.cpp", "transformers"],
                       help="override [language] engine (auto: llama.cpp for GGUF files, transformers otherwise)")
        q.add_argument("--url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (http backend)")
        q.add_argument("--endpoint-model", help="model name sent to the endpoint")
        q.add_argument("--dtype", choices=["fp32", "bf16"], help="weights precision (local backend)")
        q.add_argument("--threads", type=int, help="CPU threads of the local model (0: automatic)")

    c = lm_sub.add_parser("complete", help="show completions for a text (a quick manual check)")
    c.add_argument("text", help="text before the cursor, e.g. 'Dear Sarah, thank you for yo'")
    c.add_argument("-k", type=int, default=5, help="number of suggestions (default %(default)s)")
    c.add_argument("--abbrev", metavar="INITIALS", help="also expand word initials, e.g. tyvm")
    c.add_argument("--rewrite", metavar="INSTRUCTION", help="also rewrite the text: a preset or free text")
    backend_args(c)
    c.set_defaults(func=run_complete)

    b = lm_sub.add_parser("bench", help="keystroke savings rate, latency and load time against wordfreq")
    b.add_argument("--corpus", help="UTF-8 text file (default: the bundled corpus)")
    b.add_argument("--k", type=int, action="append", help="suggestions shown (repeatable; default 3 and 5)")
    b.add_argument("--phrase-words", type=int, default=300,
                   help="evaluate phrases on the first N words (0: none, -1: all; default %(default)s)")
    b.add_argument("--load", action="store_true", help="also time cold and cached model starts (~1-2 min)")
    b.add_argument("--json", metavar="OUT", help="write the figures as JSON")
    b.add_argument("--markdown", metavar="FILE", help="write the 'language' section of this benchmarks file")
    backend_args(b)
    b.set_defaults(func=run_bench)

    r = lm_sub.add_parser(
        "rewrite-bench", help="acceptance of rewrites and abbreviation expansions on a dev set, and their latency",
        description="Score the candidates a model offers for each dev-set item by the acceptance rules of "
        "docs/language.md; print acceptance@1 and @3 per instruction and latency p50/p95; write a BENCHMARKS.md "
        "section.",
    )
    r.add_argument("--set", dest="set_file", metavar="FILE.jsonl",
                   help="dev set (default: the bundled one), or a candidates file written by --out (scored "
                   "without a model, against --items)")
    r.add_argument("--items", metavar="FILE.jsonl", help="dev set a candidates file is scored against "
                   "(default: the bundled one)")
    r.add_argument("--out", metavar="CANDIDATES.jsonl", help="write each item's candidates, best first, and latency")
    r.add_argument("--lm", choices=["configured", "bundled", "light", "wordfreq"], default="configured",
                   help="model: the configured one (with the options below), bundled or wordfreq "
                   "(default %(default)s)")
    r.add_argument("--markdown", metavar="FILE", default="BENCHMARKS.md",
                   help="benchmarks file to write the section to (default %(default)s; '' for none)")
    backend_args(r)
    r.set_defaults(func=run_rewrite_bench)

    f = lm_sub.add_parser(
        "fetch", help="download a Hugging Face model to this computer (the only command that goes online)",
        description="Download a model from huggingface.co into the Hugging Face cache, once. Every other command "
        "loads models from this computer only; set [language] model to the same id afterwards.",
    )
    f.add_argument("model_id", metavar="MODEL_ID", help="hub id, e.g. HuggingFaceTB/SmolLM2-360M-Instruct")
    f.set_defaults(func=run_fetch)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _settings(args: argparse.Namespace):  # noqa: ANN202 - LanguageSettings
    from ._common import load_cli_settings

    lang = load_cli_settings(args).language
    changes = {
        "backend": args.backend,
        "model": args.model,
        "engine": args.engine,
        "endpoint_url": args.url,
        "endpoint_model": args.endpoint_model,
        "dtype": args.dtype,
        "threads": args.threads,
    }
    lang = dataclasses.replace(lang, **{k: v for k, v in changes.items() if v is not None})
    lang.validate()
    return lang


def _load(args: argparse.Namespace):  # noqa: ANN202 - LanguageModel
    from ..language import load_language_model

    return load_language_model(_settings(args), on_notice=lambda m: print(f"notice: {m}", file=sys.stderr))


def run_fetch(args: argparse.Namespace) -> int:
    """Download ``args.model_id`` into the Hugging Face cache."""
    from ..language._loader import fetch_model

    print(f"Downloading {args.model_id} from huggingface.co ...", file=sys.stderr, flush=True)
    folder = fetch_model(args.model_id)
    print(f"Fetched {args.model_id} into {folder}. Use it with [language] model = \"{args.model_id}\".")
    return 0


def run_complete(args: argparse.Namespace) -> int:
    """Print word, phrase and next-symbol predictions for ``args.text``."""
    from ..language import split_context

    model = _load(args)
    before, prefix = split_context(args.text)
    print(f"model: {model.name}")
    words = model.complete_word(args.text, prefix, args.k)
    print(f"words ({words.latency_s * 1000:.0f} ms): " + ", ".join(f"{w} {p:.2f}" for w, p in words.value))
    sym = model.next_symbols(args.text)
    top = sorted(sym.value.items(), key=lambda kv: -kv[1])[:8]
    print(f"next symbol ({sym.latency_s * 1000:.0f} ms): " + ", ".join(f"{s!r} {p:.2f}" for s, p in top))
    phrases = model.complete_phrase(args.text, min(args.k, 5))
    print(f"phrases ({phrases.latency_s * 1000:.0f} ms):")
    for ph, p in phrases.value:
        print(f"  {p:.3f}  {ph}")
    if args.abbrev:
        ab = model.expand_abbreviation(args.abbrev, before, 3)
        print(f"abbreviation {args.abbrev!r} ({ab.latency_s * 1000:.0f} ms):")
        for ph, p in ab.value:
            print(f"  {p:.3f}  {ph}")
    if args.rewrite:
        rw = model.rewrite(args.text, args.rewrite, 3)
        print(f"rewrites ({rw.latency_s * 1000:.0f} ms):")
        for r in rw.value:
            print(f"  {r.text}\n    diff: {r.diff_text}")
    return 0


def run_bench(args: argparse.Namespace) -> int:
    """Run the KSR benchmark on a corpus for the configured backend and the wordfreq baseline."""
    from ..language import WordFreqModel
    from ..language._bench import bench_model, default_corpus, format_markdown, measure_load

    if args.corpus:
        try:
            text = Path(args.corpus).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Cannot read corpus {args.corpus}: {exc}. Give a UTF-8 text file.") from None
    else:
        text = default_corpus()
    if len(text.split()) < 10:
        raise ConfigError(f"The corpus {args.corpus} has fewer than 10 words; give a longer text.")
    ks = tuple(sorted(set(args.k or [3, 5])))
    if any(k < 1 for k in ks):
        raise ConfigError(f"Invalid value for '--k': {ks}. Use positive integers.")
    load = measure_load(cold=True) if args.load else None
    model = _load(args)
    results = [bench_model(model, text, ks, phrase_tokens=args.phrase_words, progress=print)]
    if model.name != "wordfreq":
        results.append(bench_model(WordFreqModel(), text, ks, phrase_tokens=0))
    for r in results:
        print(f"{r['backend']}: " + ", ".join(f"KSR@{k} {r['ksr_word'][str(k)]:.3f}" for k in ks) + " (case-exact; "
              + ", ".join(f"any case @{k} {r['ksr_word_any_case'][str(k)]:.3f}" for k in ks) + ")", end="")
        if "ksr_word_phrase_subset" in r:
            print(f" | first {r['phrase_subset_words']} words: " + ", ".join(
                f"word@{k} {r['ksr_word_subset'][str(k)]:.3f} word+phrase@{k} {r['ksr_word_phrase_subset'][str(k)]:.3f}"
                for k in ks
            ), end="")
        print()
        for name, s in r["latency"].items():
            if s["all"]["n"]:
                a, c = s["all"], s["context_200"]
                print(f"  {name}: median {a['median_ms']:.0f} ms, p95 {a['p95_ms']:.0f} ms (n={a['n']}); "
                      f"context>=200 tokens: median {c['median_ms']:.0f} ms, p95 {c['p95_ms']:.0f} ms")
    if load:
        for run, d in load.items():
            print(f"  load {run}: {d}")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "load": load}, indent=1), encoding="utf-8")
    if args.markdown:
        from .._bench_report import write_section

        name = f"`{args.corpus}`" if args.corpus else "bundled `bci_input/data/ksr_corpus.txt`"
        write_section("language", format_markdown(results, load, ks, name), args.markdown)
    return 0


def run_rewrite_bench(args: argparse.Namespace) -> int:
    """Generate (or read) rewrite candidates for the dev set, score them and report acceptance and latency."""
    from ..language import _rewrite_bench as rb

    if args.set_file and rb.is_candidates_file(args.set_file):
        items = rb.load_items(args.items)
        rows = rb.load_candidates(args.set_file, items)
        label, slug = f"candidates `{Path(args.set_file).name}`", Path(args.set_file).stem
        items = [it for it in items if it.id in {r["id"] for r in rows}]
    else:
        items = rb.load_items(args.set_file)
        if args.lm == "configured":
            model = _load(args)
        else:
            from .simulate import load_model

            model = load_model(args.lm, args)
        rows = rb.generate_candidates(model, items, progress=lambda m: print(m, file=sys.stderr, flush=True))
        slug = args.lm if args.lm != "configured" else re.sub(r"[^A-Za-z0-9.]+", "-", model.name).strip("-")
        label = f"{args.lm} ({model.name})" if args.lm != "configured" else model.name
        if args.out:
            with open(args.out, "w", encoding="utf-8") as fh:
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    result = rb.score(items, rows)
    print(rb.format_report(label, result))
    if args.markdown:
        from .._bench_report import write_section

        where = f"`{args.set_file}` ({len(items)} items)" if args.set_file else (
            f"the bundled dev set `bci_input/data/rewrite_dev.jsonl` ({len(items)} items)")
        write_section(f"rewrite-{slug}", rb.format_markdown(label, result, where), args.markdown)
    return 0
