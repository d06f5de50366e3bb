"""Word vocabulary with prefix ranges, and the word/symbol scoring shared by every backend.

The LM backends turn a next-token distribution into word probabilities without extra forward passes:
the probability mass of each word-start token ``" reco"`` (its lower-case text is its *key*) is spread over
the vocabulary words that start with that key, in proportion to their corpus frequency::

    P(word | context) = sum over keys k that are a prefix of word:  P_lm(k | context) * f(word) / F(k)

where ``f`` is the word-frequency and ``F(k)`` the total frequency of words starting with ``k``. Without a
language model (``key_probs=None``) this reduces to the unigram distribution.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import logging
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._text import WORD_RE

__all__ = ["Vocabulary", "KeyTable"]

log = logging.getLogger(__name__)

_HIGH = "\U0010ffff"


def _cache_file(cache_dir: Path | None, stem: str) -> Path | None:
    """Return the cache file for ``stem`` and the installed ``wordfreq`` version, or None without a folder."""
    if cache_dir is None:
        return None
    from importlib.metadata import version

    return Path(cache_dir) / f"{stem}-{version('wordfreq')}.npz"


class Vocabulary:
    """Sorted lower-case words with frequencies and prefix ranges.

    Parameters
    ----------
    words : sequence of str
        Lower-case words (letters and apostrophes); duplicates keep the highest frequency.
    freqs : sequence of float
        Frequencies, same length.
    """

    def __init__(self, words: Sequence[str], freqs: Sequence[float]) -> None:
        best: dict[str, float] = {}
        for w, f in zip(words, freqs, strict=True):
            if f > best.get(w, -1.0):
                best[w] = float(f)
        self.words: list[str] = sorted(best)
        self.freq = np.array([best[w] for w in self.words], dtype=np.float64)
        self.cum = np.concatenate([[0.0], np.cumsum(self.freq)])
        self._index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    @functools.cache
    def from_wordfreq(cls, n_words: int = 60000, lang: str = "en", cache_dir: Path | None = None) -> Vocabulary:
        """Build (once per process) the vocabulary of the ``n_words`` most frequent words of ``wordfreq``.

        With ``cache_dir``, the word list is kept there as ``.npz`` (``allow_pickle=False``), which saves about
        a second at each start of the app.
        """
        cache = _cache_file(cache_dir, f"wordfreq-{lang}-{n_words}")
        cached = cls._load(cache)
        if cached is not None:
            return cached
        from wordfreq import get_frequency_dict

        items = [(w, f) for w, f in get_frequency_dict(lang).items() if WORD_RE.match(w)]
        items.sort(key=lambda wf: -wf[1])
        items = items[:n_words]
        vocab = cls([w for w, _ in items], [f for _, f in items])
        vocab._save(cache)
        return vocab

    def extended(self, words: Sequence[str], lang: str = "en", cache_dir: Path | None = None) -> Vocabulary:
        """Return a vocabulary that also holds those of ``words`` that ``wordfreq`` knows (names, rare words).

        With ``cache_dir``, the result is kept there, named by a digest of this vocabulary and ``words``, so a
        later start neither imports ``wordfreq`` nor reads its tables (about a second).
        """
        cache = None
        if cache_dir is not None:
            digest = hashlib.sha1("\n".join([*self.words, "\t", *sorted(set(words))]).encode()).hexdigest()[:16]
            cache = _cache_file(cache_dir, f"wordfreq-{lang}-extended-{digest}")
        cached = Vocabulary._load(cache)
        if cached is not None:
            return cached
        from wordfreq import get_frequency_dict

        table = get_frequency_dict(lang)
        new = [w for w in set(words) if w not in self._index and table.get(w, 0.0) > 0 and WORD_RE.match(w)]
        out = Vocabulary([*self.words, *new], [*self.freq.tolist(), *(table[w] for w in new)]) if new else self
        out._save(cache)
        return out

    @classmethod
    def _load(cls, cache: Path | None) -> Vocabulary | None:
        if cache is None:
            return None
        try:
            # Open the file here: np.load leaves its own handle open when the archive is damaged.
            with open(cache, "rb") as f, np.load(f, allow_pickle=False) as z:
                return cls(z["words"].tolist(), z["freqs"].tolist())
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # missing or damaged: rebuild
            return None

    def _save(self, cache: Path | None) -> None:
        if cache is None:
            return
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_name(cache.name + ".tmp.npz")
            np.savez(tmp, words=np.array(self.words), freqs=self.freq)
            tmp.replace(cache)
        except OSError as exc:
            log.debug("cannot cache the vocabulary in %s: %s", cache, exc)

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def index(self, word: str) -> int | None:
        """Return the position of ``word`` or None."""
        return self._index.get(word)

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        """Return ``(lo, hi)``: the words in ``words[lo:hi]`` start with ``prefix``."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + _HIGH, lo)
        return lo, hi

    def mass(self, lo: int, hi: int) -> float:
        """Return the total frequency of ``words[lo:hi]``."""
        return float(self.cum[hi] - self.cum[lo])

    def top(self, scores: np.ndarray, lo: int, k: int) -> list[tuple[str, float]]:
        """Return the ``k`` best ``(word, probability)`` of ``scores`` (covering ``words[lo:lo+len]``), normalised."""
        total = float(scores.sum())
        if total <= 0 or len(scores) == 0:
            return []
        k = min(k, len(scores))
        idx = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        idx = idx[np.argsort(-scores[idx], kind="stable")]
        return [(self.words[lo + i], float(scores[i] / total)) for i in idx if scores[i] > 0]


class KeyTable:
    """Map the word-start tokens of a tokenizer onto vocabulary ranges.

    Parameters
    ----------
    keys : sequence of str
        Distinct lower-case keys (token texts without their leading space).
    vocab : Vocabulary
        The word list whose ranges the keys cover.
    """

    def __init__(self, keys: Sequence[str], vocab: Vocabulary) -> None:
        self.keys: list[str] = sorted(set(keys))
        self.vocab = vocab
        self._index = {k: i for i, k in enumerate(self.keys)}
        ranges = [vocab.prefix_range(k) for k in self.keys]
        self.lo = np.array([r[0] for r in ranges], dtype=np.int64)
        self.hi = np.array([r[1] for r in ranges], dtype=np.int64)
        self.mass = vocab.cum[self.hi] - vocab.cum[self.lo]

    def __len__(self) -> int:
        return len(self.keys)

    def index(self, key: str) -> int | None:
        """Return the position of ``key`` or None."""
        return self._index.get(key)

    def word_scores(self, prefix: str, key_probs: np.ndarray) -> tuple[int, np.ndarray]:
        """Score the vocabulary words that start with ``prefix``.

        Parameters
        ----------
        prefix : str
            Lower-case letters typed so far.
        key_probs : ndarray, shape (n_keys,)
            Probability of each key as the next word start (from the LM), in ``self.keys`` order.

        Returns
        -------
        lo : int
            Index of the first scored word in ``vocab.words``.
        scores : ndarray, shape (n_words_with_prefix,)
            Unnormalised probabilities of ``vocab.words[lo:lo+len(scores)]``.
        """
        vocab = self.vocab
        plo, phi = vocab.prefix_range(prefix)
        if phi <= plo:
            return plo, np.zeros(0)
        a = bisect.bisect_left(self.keys, prefix)
        b = bisect.bisect_left(self.keys, prefix + _HIGH, a)
        sel = list(range(a, b))
        sel += [i for i in (self._index.get(prefix[:j]) for j in range(1, len(prefix))) if i is not None]
        diff = np.zeros(phi - plo + 1)
        if sel:
            s = np.asarray(sel, dtype=np.int64)
            ok = self.mass[s] > 0
            s = s[ok]
            w = key_probs[s] / self.mass[s]
            lo = np.clip(self.lo[s], plo, phi) - plo
            hi = np.clip(self.hi[s], plo, phi) - plo
            np.add.at(diff, lo, w)
            np.add.at(diff, hi, -w)
        scores = vocab.freq[plo:phi] * np.cumsum(diff)[:-1]
        return plo, np.maximum(scores, 0.0)
