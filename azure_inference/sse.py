"""A sans-I/O Server-Sent Events decoder following the WHATWG rules.

It eats bytes as they arrive and returns whole events: lines end in CRLF, CR or LF (a CRLF split across two
network chunks counts once), ``:`` lines are comments, ``data:`` lines of one event are joined with ``\\n``,
one leading space after the colon is dropped, a leading BOM is skipped. Work is done on bytes and each event's
data is decoded once, so UTF-8 characters split across network chunks come out whole. The sync and async
streams wrap it in a few lines each; nothing here does I/O.
"""

from __future__ import annotations

__all__ = ["MAX_LINE", "SSEDecoder", "SSEError", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"
MAX_LINE = 16 * 1024 * 1024
"""The longest line, and the largest event, accepted (16 MiB; a chat chunk is a few hundred bytes)."""
_MAX_RETRY_DIGITS = 10  # a ``retry:`` value past this is not a reconnection time (and int() would refuse it)


class SSEError(ValueError):
    """The stream breaks the decoder's bounds (a line or an event longer than ``max_line``)."""


class ServerSentEvent:
    """One dispatched event. ``data`` is the decoded text; ``raw`` the same as bytes (for fast JSON parsing)."""

    __slots__ = ("event", "id", "raw", "retry")

    def __init__(self, raw: bytes, event: str = "message", id: str | None = None, retry: int | None = None):
        self.raw = raw
        self.event = event
        self.id = id
        self.retry = retry

    @property
    def data(self) -> str:
        """The event data as text (invalid UTF-8 is replaced, as the standard says)."""
        return self.raw.decode("utf-8", "replace")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ServerSentEvent):
            return NotImplemented
        return (self.raw, self.event, self.id, self.retry) == (other.raw, other.event, other.id, other.retry)

    def __hash__(self) -> int:
        return hash((self.raw, self.event, self.id, self.retry))

    def __repr__(self) -> str:
        return f"ServerSentEvent(event={self.event!r}, data={self.data!r}, id={self.id!r}, retry={self.retry!r})"


class SSEDecoder:
    """Feed bytes, get events. Call ``end()`` when the body is over to learn whether an event was cut off."""

    __slots__ = (
        "_buffer",
        "_buffered",
        "_data",
        "_data_size",
        "_event",
        "_id",
        "_last_id",
        "_max_line",
        "_pending_cr",
        "_retry",
        "_started",
    )

    def __init__(self, max_line: int = MAX_LINE) -> None:
        # The start of a line not ended yet, as the pieces it came in: joined once, when its end arrives, so
        # a long line costs linear time however many pieces it is cut into.
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._max_line = max_line
        self._data_size = 0
        self._pending_cr = False
        self._started = False
        self._data: list[bytes] = []
        self._event = ""
        self._id: str | None = None
        self._last_id: str | None = None
        self._retry: int | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Consume a chunk of the body; return the events it completes, in order.

        Raises:
            SSEError: a line or an event is longer than ``max_line`` bytes.
        """
        if not chunk:
            return []
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":  # the LF of a CRLF whose CR ended the previous chunk
                chunk = chunk[1:]
        if not self._started:
            buf = b"".join(self._buffer) + chunk
            if len(buf) < 3 and _BOM.startswith(buf):
                self._buffer, self._buffered = [buf], len(buf)
                return []
            self._started = True
            self._buffer, self._buffered = [], 0
            chunk = buf[3:] if buf.startswith(_BOM) else buf
        if b"\r" in chunk:
            # The buffer holds no CR or LF (they were turned into line ends already): only the chunk needs it.
            if chunk.endswith(b"\r"):
                self._pending_cr = True
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = chunk.rfind(b"\n")
        if end < 0:
            self._buffered += len(chunk)
            self._buffer.append(chunk)
            if self._buffered > self._max_line:
                raise self._too_long("a line")
            return []
        head = chunk[:end]
        if self._buffer:
            head = b"".join(self._buffer) + head
        rest = chunk[end + 1 :]
        self._buffer, self._buffered = ([rest], len(rest)) if rest else ([], 0)
        lines = head.split(b"\n")
        if len(head) > self._max_line and max(map(len, lines)) > self._max_line:
            raise self._too_long("a line")
        events: list[ServerSentEvent] = []
        for line in lines:
            event = self._line(line)
            if event is not None:
                events.append(event)
        if self._buffered > self._max_line:
            raise self._too_long("a line")
        return events

    def _too_long(self, what: str) -> SSEError:
        self._buffer, self._buffered, self._data, self._data_size = [], 0, [], 0
        return SSEError(f"{what} of the event stream is longer than {self._max_line} bytes")

    def _line(self, line: bytes) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(b"data:"):
            value = line[5:]
            self._data_size += len(value)
            if self._data_size > self._max_line:
                raise self._too_long("an event")
            self._data.append(value[1:] if value[:1] == b" " else value)
            return None
        if line[:1] == b":":
            return None
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"data":  # a bare "data" line with no colon appends an empty line
            self._data.append(b"")
        elif name == b"id":
            if b"\0" not in value:
                self._id = value.decode("utf-8", "replace")
        elif name == b"retry" and value.isdigit() and len(value) <= _MAX_RETRY_DIGITS:
            self._retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        if self._id is not None:
            self._last_id = self._id
            self._id = None
        if not self._data:
            self._event = ""
            return None
        raw = self._data[0] if len(self._data) == 1 else b"\n".join(self._data)
        event = ServerSentEvent(raw, self._event or "message", self._last_id, self._retry)
        self._data = []
        self._data_size = 0
        self._event = ""
        return event

    def end(self) -> bool:
        """Mark the end of the body. True when an event had started but was never terminated by a blank line.

        Per the standard such an event is discarded; callers use the answer to report a cut-off stream.
        """
        pending = any(piece.strip() for piece in self._buffer) or bool(self._data)
        self._buffer, self._buffered = [], 0
        self._data, self._data_size = [], 0
        return pending
