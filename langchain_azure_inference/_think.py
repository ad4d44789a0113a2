"""Streaming ``<think>`` splitting whose concatenated output equals the non-streamed split.

The non-streamed path (``ThinkSplitter.split``) strips the whitespace around the content and around the
reasoning, so ``"<think>\\nwhy\\n</think>\\n\\nanswer"`` gives ``("answer", "why")``. The transport's streaming
``ThinkSplitter.feed`` keeps those newlines. ``StreamingThinkSplitter`` trims them the same way while still
streaming: leading whitespace is dropped until a channel's first visible character, and trailing whitespace is
held back until more visible text follows in that channel (then released) or the stream ends (then dropped).
Only whitespace is ever delayed, never text.

Content without any opening tag is left exactly as the non-streamed path leaves it (untouched): its held
whitespace is released at the end. The one case that still differs is visible text *before* the opening tag
preceded by whitespace (``"\\nHi <think>…"``): that leading whitespace has already been sent when the tag shows
the non-streamed path would strip it.
"""

from __future__ import annotations

from azure_inference import ThinkSplitter

__all__ = ["StreamingThinkSplitter"]


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
    """Splits ``open_tag…close_tag`` out of streamed content, trimming as the non-streamed split does.

    Args:
        open_tag: The tag that opens the reasoning.
        close_tag: The tag that closes it.
    """

    def __init__(self, open_tag: str = "<think>", close_tag: str = "</think>") -> None:
        self._splitter = ThinkSplitter(open_tag, close_tag)
        self._open = open_tag
        self._tail = ""  # the raw content's last characters, to see an opening tag split across pieces
        self._tagged = False
        self._content = _Channel()
        self._reasoning = _Channel()

    def feed(self, text: str) -> tuple[str, str]:
        """Consume a piece of content; return the ``(content, reasoning)`` it releases."""
        if not self._tagged:
            seen = self._tail + text
            self._tagged = self._open in seen
            self._tail = seen[-(len(self._open) - 1) :] if len(self._open) > 1 else ""
        content, reasoning = self._splitter.feed(text)
        return self._content_out(content), self._reasoning.push(reasoning)

    def flush(self) -> tuple[str, str]:
        """Release what is held at the end of the stream (trailing whitespace is dropped once a tag was seen)."""
        content, reasoning = self._splitter.flush()
        content_out = self._content_out(content)
        if not self._tagged:  # no tag: the non-streamed path leaves the content as it is
            content_out += self._content.release_lead() + self._content.trail
        return content_out, self._reasoning.push(reasoning)

    def _content_out(self, content: str) -> str:
        if self._tagged:
            self._content.lead = ""  # whitespace before the tag: the non-streamed split strips it
            return self._content.push(content)
        if self._content.started:
            return self._content.push(content)
        out = self._content.push(content)
        return self._content.release_lead() + out if out else ""
