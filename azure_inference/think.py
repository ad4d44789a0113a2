"""Split ``<think>…</think>`` reasoning out of content: whole (``ThinkSplitter.split``) or streamed. Pure, no I/O.

Some deployments (e.g. DeepSeek-R1) put their reasoning inside the content between tags (docs/wire.md §V1.8, Δ4:
clients handle both the tags and ``reasoning_content``). ``ThinkSplitter`` splits a text piece by piece,
keeping every character; its ``split`` of a whole text strips the whitespace around the content and around
the reasoning, so ``"<think>\\nwhy\\n</think>\\n\\nanswer"`` gives ``("answer", "why")``.

``StreamingThinkSplitter`` trims the same way while still streaming, so that the concatenation of what it
releases equals the whole-text split: leading whitespace is dropped until a channel's first visible character,
and trailing whitespace is held back until more visible text follows in that channel (then released) or the
stream ends (then dropped). Only whitespace is ever delayed, never text.

Content without any opening tag is left exactly as the whole-text path leaves it (untouched). Before a tag has
been seen, only whitespace *before the first visible character* is held (a tag may still follow and strip it);
after that, untagged content passes straight through, so each server delta stays one piece. Two cases still
differ from the whole-text split, both with visible text *before* a late opening tag: leading whitespace before
it (``"\\nHi <think>…"``) and trailing whitespace after it when nothing visible follows the reasoning
(``"Hi \\n<think>…</think>"``) have already been released when the tag shows that the whole-text split strips them.
"""

from __future__ import annotations

__all__ = ["StreamingThinkSplitter", "ThinkSplitter"]


class ThinkSplitter:
    """Splits ``<think>…</think>`` reasoning out of streamed content, safe across chunk boundaries.

    Some deployments (e.g. DeepSeek-R1) put reasoning inside the content between tags. ``feed`` returns
    ``(content, reasoning)`` for each piece; text that might be the start of a tag is held back until the next
    piece decides it. ``flush`` returns what is held at the end.
    """

    def __init__(self, open_tag: str = "<think>", close_tag: str = "</think>") -> None:
        self.open_tag = open_tag
        self.close_tag = close_tag
        self._inside = False
        self._held = ""
        self.tagged = False
        """True once an opening tag has been seen."""

    @property
    def pending(self) -> bool:
        """True while text that might start a tag is held back."""
        return bool(self._held)

    def feed(self, text: str) -> tuple[str, str]:
        """Consume a piece of content; return the (content, reasoning) it releases."""
        if not self._held:
            # Fast path (most deltas of most models): nothing held and no tag can start here, so the piece
            # passes through unscanned. Every tag starts with its first character ("<").
            tag = self.close_tag if self._inside else self.open_tag
            if tag[0] not in text:
                return ("", text) if self._inside else (text, "")
        buf = self._held + text
        self._held = ""
        content: list[str] = []
        reasoning: list[str] = []
        while buf:
            tag = self.close_tag if self._inside else self.open_tag
            pos = buf.find(tag)
            if pos >= 0:
                (reasoning if self._inside else content).append(buf[:pos])
                buf = buf[pos + len(tag) :]
                self._inside = not self._inside
                self.tagged = True
                continue
            keep = _partial_suffix(buf, tag)
            (reasoning if self._inside else content).append(buf[: len(buf) - keep])
            self._held = buf[len(buf) - keep :]
            break
        return "".join(content), "".join(reasoning)

    def flush(self) -> tuple[str, str]:
        """Release anything held back at the end of the stream."""
        held, self._held = self._held, ""
        return ("", held) if self._inside else (held, "")

    def split(self, text: str) -> tuple[str, str]:
        """Split a whole (non-streamed) text: ``(content, reasoning)`` with surrounding whitespace trimmed."""
        content, reasoning = self.feed(text)
        tail_c, tail_r = self.flush()
        return (content + tail_c).strip(), (reasoning + tail_r).strip()


def _partial_suffix(text: str, tag: str) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of ``tag``."""
    # Only a suffix that starts with the tag's first character can qualify: look at those positions only.
    start = max(0, len(text) - len(tag) + 1)
    pos = text.find(tag[0], start)
    while pos >= 0:
        if tag.startswith(text[pos:]):
            return len(text) - pos
        pos = text.find(tag[0], pos + 1)
    return 0


class _Channel:
    """``str.strip`` of a channel's concatenated pieces, computed piece by piece."""

    def __init__(self) -> None:
        self.started = False  # a visible character has been released
        self.lead = ""  # whitespace before the first visible character
        self.trail = ""  # whitespace after the last visible character

    def push(self, text: str) -> str:
        """Take one piece; return what can be released now."""
        if not text:
            return ""
        if not self.started:
            body = text.lstrip()
            if not body:
                self.lead += text
                return ""
            self.lead += text[: len(text) - len(body)]
            text, self.started = body, True
        body = text.rstrip()
        if not body:
            self.trail += text
            return ""
        out, self.trail = self.trail + body, text[len(body) :]
        return out

    def release_lead(self) -> str:
        """Leading whitespace held before the first visible character (for content that stays untouched)."""
        lead, self.lead = self.lead, ""
        return lead


class StreamingThinkSplitter:
    """Splits ``open_tag…close_tag`` out of streamed content, trimming as ``ThinkSplitter.split`` does.

    Args:
        open_tag: The tag that opens the reasoning.
        close_tag: The tag that closes it.
    """

    def __init__(self, open_tag: str = "<think>", close_tag: str = "</think>") -> None:
        self._splitter = ThinkSplitter(open_tag, close_tag)
        self._first = open_tag[0]
        self._content = _Channel()
        self._reasoning = _Channel()

    def feed(self, text: str) -> tuple[str, str]:
        """Consume a piece of content; return the ``(content, reasoning)`` it releases."""
        splitter = self._splitter
        if self._content.started and not splitter.tagged and not splitter.pending and self._first not in text:
            return text, ""  # the common case: untagged content already under way, and no tag can start here
        content, reasoning = splitter.feed(text)
        return self._content_out(content), self._reasoning.push(reasoning)

    def flush(self) -> tuple[str, str]:
        """Release what is held at the end of the stream (trailing whitespace is dropped once a tag was seen)."""
        content, reasoning = self._splitter.flush()
        content_out = self._content_out(content)
        if not self._splitter.tagged:  # no tag: the non-streamed path leaves the content as it is
            content_out += self._content.release_lead()
        return content_out, self._reasoning.push(reasoning)

    def _content_out(self, content: str) -> str:
        channel = self._content
        if self._splitter.tagged:
            channel.lead = ""  # whitespace before the tag: the non-streamed split strips it
            return channel.push(content)
        if channel.started:
            return content
        if not content or content.isspace():
            channel.lead += content
            return ""
        channel.started = True
        return channel.release_lead() + content
