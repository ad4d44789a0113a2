"""Lexical retrieval inside the prompt: find the context sentence that answers the question (RAG replies).

The emulated model answers a RAG prompt with the context sentence that shares the most content words with the
question (docs/emulator.md, "Deterministic behaviour", rule 3), so a pipeline's answer cites the right passage.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from . import tokens

_STOPWORD_TEXT = """
a an the and or but if of to in on at by for with from as is are was were be been being it its this
that these those what which who whom whose when where why how do does did done can could should would
will shall may might must i you he she we they me him her us them my your our their not no yes so
than then there here about into over under again all any some each few more most other such only own
same too very just also please tell give get use using based following answer question context
passage passages
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_QUESTION_LABEL = re.compile(r"(?:^|\n)\s*(?:question|query|q)\s*:\s*", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:(?:context|passage|document|doc|source|chunk)\s*\d*\s*:|\[\d+\])\s*", re.IGNORECASE)
_PERSONA = re.compile(r"^\s*(you are|you're|answer|use the|respond|only use)\b", re.IGNORECASE)


def content_words(text: str) -> set[str]:
    out = set()
    for w in tokens.words(text):
        if w in STOPWORDS or len(w) < 2:
            continue
        out.add(w[:-1] if len(w) > 3 and w.endswith("s") else w)  # naive plural folding
    return out


def split_question(text: str) -> tuple[str, str]:
    """Split a user message into ``(context, question)``.

    A ``Question:`` label wins; otherwise the last sentence with a ``?``; otherwise the whole message.
    """
    labels = list(_QUESTION_LABEL.finditer(text))
    if labels:
        last = labels[-1]
        question = re.split(r"\n\s*answer\s*:", text[last.end() :], flags=re.IGNORECASE)[0]
        return text[: last.start()], question.strip()
    sentences = [s for s in _SENTENCE_SPLIT.split(text) if s.strip()]
    for i in range(len(sentences) - 1, -1, -1):
        if "?" in sentences[i]:
            return " ".join(sentences[:i] + sentences[i + 1 :]), sentences[i].strip()
    return "", text.strip()


def best_passage(question: str, context: Sequence[str]) -> str | None:
    """The context sentence with the largest word overlap with ``question`` (earliest on ties), or None."""
    q_words = content_words(question)
    best, best_score = None, 0
    for block in context:
        for sentence in _SENTENCE_SPLIT.split(block):
            sentence = _LABEL.sub("", sentence.strip())
            if len(tokens.words(sentence)) < 3 or _PERSONA.match(sentence):
                continue
            score = len(q_words & content_words(sentence))
            if score > best_score:
                best, best_score = sentence, score
    return best
