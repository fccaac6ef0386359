"""The one failure every file reader raises: which file, which line, what is wrong."""

from __future__ import annotations

from urbis.kernel import errors


class RejectedFile(errors.InvalidValue):
    """A file that cannot be loaded; nothing of it is stored."""

    code = "rejected_meter_file"

    def __init__(self, *, path: str, reason: str, line: int | None = None) -> None:
        where = f"{path}, line {line}" if line is not None else path
        super().__init__(f"{where}: {reason}", details={"file": path, "line": line})
        self.path = path
        self.line = line
        self.reason = reason
