"""Follow a container's log; after a dropped connection, resume without repeating lines.

Each line comes with its timestamp (``timestamps=true``); a resumed request asks from the
last second seen (``sinceTime`` has second precision) and skips what was already printed:
older lines, and as many lines of the last timestamp as were printed with it.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from kubernetes.client.exceptions import ApiException

from runner_ext.cluster.connect import TRANSPORT_ERRORS, Cluster, api_error, stream_lines
from runner_ext.cluster.podwatch import container_state, pod_path, read_pod

_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$")


def stamp_key(stamp: str) -> str:
    """A timestamp that orders as text: nanoseconds always nine digits."""
    found = _STAMP.match(stamp)
    if not found:
        return ""
    return f"{found.group(1)}.{(found.group(2) or '').ljust(9, '0')}Z"


@dataclass
class Cursor:
    """How far the log has been printed."""

    last: str = ""
    printed_at_last: int = 0
    to_skip: int = 0
    resumes: int = 0

    def restart(self) -> None:
        """A new request is about to replay the last timestamp's lines."""
        self.to_skip = self.printed_at_last

    def since(self) -> str:
        """``sinceTime`` for a resumed request (empty the first time)."""
        return self.last[:19] + "Z" if self.last else ""

    def accept(self, line: str) -> str | None:
        """The line's text when it is new, else None."""
        stamp, _, text = line.partition(" ")
        key = stamp_key(stamp)
        if not key:
            return line
        if key < self.last:
            return None
        if key == self.last:
            if self.to_skip:
                self.to_skip -= 1
                return None
            self.printed_at_last += 1
            return text
        self.last, self.printed_at_last, self.to_skip = key, 1, 0
        return text


def _query(container: str, cursor: Cursor, follow: bool) -> list[tuple[str, str]]:
    query = [("container", container), ("timestamps", "true"),
             ("follow", str(follow).lower())]
    if cursor.since():
        query.append(("sinceTime", cursor.since()))
    return query


def _read(cluster: Cluster, name: str, container: str, cursor: Cursor, follow: bool,
          echo: Callable[[str], None]) -> None:
    cursor.restart()
    path = pod_path(cluster, name) + "/log"
    try:
        for line in stream_lines(cluster, path, _query(container, cursor, follow)):
            text = cursor.accept(line)
            if text is not None:
                echo(text)
    except ApiException as exc:
        raise api_error(exc, verb="get", resource="pods/log", namespace=cluster.namespace,
                        name=name) from exc


def follow(cluster: Cluster, name: str, container: str, echo: Callable[[str], None],
           cursor: Cursor | None = None) -> Cursor:
    """Print the container's log until it terminates; resumes after drops."""
    cursor = cursor or Cursor()
    while True:
        with contextlib.suppress(*TRANSPORT_ERRORS):  # dropped: resume below
            _read(cluster, name, container, cursor, True, echo)
        if "terminated" in container_state(read_pod(cluster, name), container):
            _read(cluster, name, container, cursor, False, echo)  # what a drop cut off
            return cursor
        cursor.resumes += 1
        time.sleep(0.2)
