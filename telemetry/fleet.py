"""Several vehicles at once: one link each, each reconnecting by itself, states read together."""

from __future__ import annotations

import threading
from pathlib import Path

from telemetry.config import DEFAULT_CONFIG, LinkConfig
from telemetry.errors import LinkError
from telemetry.link import VehicleLink
from telemetry.state import VehicleState


class Fleet:
    def __init__(self, *, config: LinkConfig = DEFAULT_CONFIG, tlog_dir: Path | None = None) -> None:
        self.config = config
        self.tlog_dir = tlog_dir
        self._links: dict[str, VehicleLink] = {}
        self._lock = threading.Lock()

    def add(
        self, name: str, url: str, *, signing_key: bytes | None = None, wait: bool = False
    ) -> VehicleLink:
        """Start following a vehicle; its link keeps (re)connecting in the background."""
        with self._lock:
            if name in self._links:
                raise LinkError(f"a vehicle named {name!r} is already in the fleet")
            link = VehicleLink(
                url,
                name=name,
                config=self.config,
                signing_key=signing_key,
                tlog_dir=self.tlog_dir / name if self.tlog_dir else None,
            )
            self._links[name] = link
        link.start(wait=wait)
        return link

    def remove(self, name: str) -> None:
        with self._lock:
            link = self._links.pop(name, None)
        if link is not None:
            link.stop()

    def link(self, name: str) -> VehicleLink:
        with self._lock:
            try:
                return self._links[name]
            except KeyError:
                raise LinkError(
                    f"no vehicle named {name!r}; the fleet has {', '.join(self._links) or 'none'}"
                ) from None

    def names(self) -> list[str]:
        with self._lock:
            return list(self._links)

    def states(self) -> dict[str, VehicleState]:
        with self._lock:
            links = dict(self._links)
        return {name: link.state() for name, link in links.items()}

    def stop(self) -> None:
        with self._lock:
            links = list(self._links.values())
            self._links.clear()
        for link in links:
            link.stop()

    def __enter__(self) -> Fleet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
