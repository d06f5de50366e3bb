"""What OpenAI-compatible servers and llama.cpp's own server send back: top tokens, token counts.

The next-token distribution comes in four shapes:

- OpenAI's legacy completions: ``choices[0].logprobs.top_logprobs[0]`` = ``{token: logprob}``
  (``llama_cpp.server``, vLLM, llama.cpp's ``/v1/completions``);
- the chat shape: ``choices[0].logprobs.content[0].top_logprobs`` = ``[{"token", "logprob"}]``;
- llama.cpp's native ``POST /completion`` with ``n_probs``: ``completion_probabilities[0]`` holding
  ``top_logprobs`` = ``[{"token", "logprob"}]`` (since late 2024), ``top_probs`` = ``[{"token", "prob"}]``
  (with ``post_sampling_probs``) or ``probs`` = ``[{"tok_str", "prob"}]`` (older servers).
"""

from __future__ import annotations

import math
import urllib.parse
from typing import Any

__all__ = ["top_tokens", "native_url", "token_counts", "MAX_OPENAI_TOP", "WANTED_TOP"]

#: OpenAI's limit on ``logprobs`` / ``top_logprobs``, which vLLM also applies by default.
MAX_OPENAI_TOP = 20
#: How many top next tokens word prediction asks for from a server that allows more than 20.
WANTED_TOP = 100


def _entries(entries: Any, token_key: str, value_key: str, is_prob: bool) -> dict[str, float]:
    out: dict[str, float] = {}
    if not isinstance(entries, list):
        return out
    for e in entries:
        if not isinstance(e, dict) or token_key not in e or not isinstance(e.get(value_key), int | float):
            continue
        v = float(e[value_key])
        if is_prob:
            if v <= 0:
                continue
            v = math.log(v)
        out[str(e[token_key])] = v
    return out


def top_tokens(body: dict[str, Any]) -> dict[str, float]:
    """Return ``{token: log-probability}`` of the first generated position of a reply, in any known shape.

    Parameters
    ----------
    body : dict
        The server's JSON reply (``/v1/completions``, ``/v1/chat/completions`` or llama.cpp's ``/completion``).

    Returns
    -------
    dict of str to float
        Empty when the reply carries no top tokens.
    """
    probs = body.get("completion_probabilities")
    if isinstance(probs, list):  # llama.cpp's native /completion
        first = probs[0] if probs and isinstance(probs[0], dict) else {}
        if "top_logprobs" in first:
            return _entries(first["top_logprobs"], "token", "logprob", False)
        if "top_probs" in first:
            return _entries(first["top_probs"], "token", "prob", True)
        return _entries(first.get("probs"), "tok_str", "prob", True)
    choices = body.get("choices") or []
    if not choices or not isinstance(choices[0], dict):
        return {}
    lp = choices[0].get("logprobs") or {}
    top = lp.get("top_logprobs")
    if isinstance(top, list) and top and isinstance(top[0], dict):  # legacy completions format
        return {str(t): float(v) for t, v in top[0].items() if isinstance(v, int | float)}
    content = lp.get("content")
    if isinstance(content, list) and content and isinstance(content[0], dict):  # chat-style format
        return _entries(content[0].get("top_logprobs"), "token", "logprob", False)
    return {}


def native_url(base: str) -> str | None:
    """Return llama.cpp's native ``/completion`` URL for a ``.../v1`` base URL, or None if it has no ``/v1``."""
    parts = urllib.parse.urlsplit(base)
    path = parts.path.rstrip("/")
    if not path.endswith("/v1"):
        return None
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path[: -len("/v1")] + "/completion", "", ""))


def token_counts(body: dict[str, Any], prompt: str, text: str) -> tuple[int, int]:
    """Return ``(prompt tokens, completion tokens)`` of a reply: its ``usage`` or llama.cpp's counts, else a guess.

    Parameters
    ----------
    body : dict
        The server's JSON reply.
    prompt : str
        The prompt sent (all messages of a chat request), for the estimate.
    text : str
        The generated text (all choices), for the estimate.
    """
    from ._http_speed import estimate_tokens

    usage = body.get("usage")
    if isinstance(usage, dict):
        p, c = usage.get("prompt_tokens"), usage.get("completion_tokens")
        if isinstance(p, int) and isinstance(c, int):
            return max(0, p), max(1, c)
    p, c = body.get("tokens_evaluated"), body.get("tokens_predicted")  # llama.cpp's native reply
    if isinstance(p, int) and isinstance(c, int):
        return max(0, p), max(1, c)
    return estimate_tokens(prompt), estimate_tokens(text)
