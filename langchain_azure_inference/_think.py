"""Streaming ``<think>`` splitting whose concatenated output equals the non-streamed split.

The non-streamed path (``ThinkSplitter.split``) strips the whitespace around the content and around the
reasoning, so ``"<think>\\nwhy\\n</think>\\n\\nanswer"`` gives ``("answer", "why")``. The transport's streaming
``ThinkSplitter.feed`` keeps those newlines. ``StreamingThinkSplitter`` trims them the same way while still
streaming: leading whitespace is dropped until a channel's first visible character, and trailing whitespace is
held back until more visible text follows in that channel (then released) or the stream ends (then dropped).
Only whitespace is ever delayed, never text.

Content without any opening tag is left exactly as the non-streamed path leaves it (untouched). Before a tag
has been seen, only whitespace *before the first visible character* is held (a tag may still follow and strip
it); after that, untagged content passes straight through, so each server delta becomes one chunk and no
whitespace is left over for the closing chunk. Two cases still differ from the non-streamed split, both with
visible text *before* a late opening tag: leading whitespace before it (``"\\nHi <think>…"``) and trailing
whitespace after it when nothing visible follows the reasoning (``"Hi \\n<think>…</think>"``) have already been
sent when the tag shows that the non-streamed path would strip them.
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
