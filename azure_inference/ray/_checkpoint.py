"""Finished rows on disk, so a restarted run redoes nothing (docs/quota.md, "Ray: resuming").

Each finished batch appends one file of ``{"k": key, "r": result}`` lines, written to a temporary name and
renamed, so a killed worker leaves either the whole file or none. A row's key hashes the task (kind, model,
parameters) and its input, so it does not depend on how Ray cuts the dataset into blocks: a restarted run with
other block boundaries still finds every finished row. Rows that failed are not written: they are tried again.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def row_key(task: str, text: str) -> str:
    """The key of one row: a hash of the task description and the row's input."""
    return hashlib.sha256(f"{task}\x00{text}".encode()).hexdigest()


class Checkpoint:
    """The finished rows under one directory (loaded once per worker) and the writer of new ones."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.done: dict[str, Any] = {}
        for part in sorted(self.dir.glob("part-*.jsonl")):
            for line in part.read_text(encoding="utf-8").splitlines():
                if line:
                    item = json.loads(line)
                    self.done[item["k"]] = item["r"]
        self._prefix = f"part-{uuid.uuid4().hex}"
        self._count = 0

    def write(self, results: Mapping[str, Any]) -> None:
        """Record finished rows atomically (temporary file + rename)."""
        if not results:
            return
        self._count += 1
        final = self.dir / f"{self._prefix}-{self._count:06d}.jsonl"
        tmp = final.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps({"k": k, "r": r}) + "\n" for k, r in results.items()), encoding="utf-8")
        os.replace(tmp, final)
        self.done.update(results)
