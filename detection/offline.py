"""The one place that imports Ultralytics, configured never to reach the internet (FIELD-NOTES.md).

Before the import: ``YOLO_OFFLINE=1`` (no online checks, no analytics), ``YOLO_AUTOINSTALL=0`` (no pip),
``YOLO_CONFIG_DIR`` a folder of ours holding ``Arial.ttf``/``Arial.Unicode.ttf`` (copies of matplotlib's
DejaVuSans), so plotting and training stop looking for fonts online. After it: Ultralytics pins torch to
one thread on a 2-core machine (``NUM_THREADS = cpu_count - 1``) whenever it selects a device; we set
its ``NUM_THREADS`` to every core and call ``torch.set_num_threads`` ourselves.

The folder is ``$BORDERWATCH_YOLO_CONFIG_DIR``, else ``$BORDERWATCH_DATA_DIR/ultralytics`` (data dir
default ``./data``).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from types import ModuleType

from detection.errors import ModelError

_LOCK = threading.Lock()
_MODULE: ModuleType | None = None


def config_dir() -> Path:
    explicit = os.environ.get("BORDERWATCH_YOLO_CONFIG_DIR")
    if explicit:
        return Path(explicit).resolve()
    return (Path(os.environ.get("BORDERWATCH_DATA_DIR", "data")) / "ultralytics").resolve()


def _install_fonts(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    targets = [folder / "Arial.ttf", folder / "Arial.Unicode.ttf"]
    if all(t.exists() for t in targets):
        return
    try:
        import matplotlib

        source = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    except ImportError:
        source = None
    if source is None or not source.exists():
        raise ModelError(
            "Ultralytics needs a local Arial.ttf to work offline and matplotlib's DejaVuSans.ttf was not found; "
            f"copy any TTF font to {targets[0]} and {targets[1]}"
        )
    for t in targets:
        if not t.exists():
            shutil.copyfile(source, t)


def cpu_threads() -> int:
    return max(1, os.cpu_count() or 1)


def use_all_cores() -> None:
    """Undo Ultralytics' one-thread default: torch uses every core (call after it selected a device)."""
    import torch

    torch.set_num_threads(cpu_threads())


def ultralytics() -> ModuleType:
    """The ``ultralytics`` package, imported once with the offline environment set."""
    global _MODULE
    with _LOCK:
        if _MODULE is not None:
            return _MODULE
        folder = config_dir()
        _install_fonts(folder)
        os.environ["YOLO_OFFLINE"] = "1"
        os.environ["YOLO_AUTOINSTALL"] = "0"
        os.environ["YOLO_CONFIG_DIR"] = str(folder)
        os.environ.setdefault("YOLO_VERBOSE", "False")
        import ultralytics as module
        import ultralytics.utils.torch_utils as torch_utils

        torch_utils.NUM_THREADS = cpu_threads()
        module.utils.SETTINGS.update({"sync": False})
        use_all_cores()
        _MODULE = module
        return module
