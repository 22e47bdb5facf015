"""Files and folders holding personal data: readable by the user victimcare runs as only."""

from __future__ import annotations

import os
from pathlib import Path

# Files holding personal data (the embedded database, the secret key, messages written by the
# development backends) are readable by the user victimcare runs as, and nobody else.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_mode_ensure(path: Path, mode: int) -> None:
    """Take group and other permissions off ``path`` if it exists, is ours and has any.

    Folders and files made by earlier versions (0755/0644) are tightened on the next start.
    """
    try:
        status = path.stat()
    except FileNotFoundError:
        return
    if status.st_mode & 0o077 and status.st_uid == os.getuid():
        path.chmod(mode)


def private_dir(path: Path) -> Path:
    """``path`` as a folder only this user may enter (0700), created if missing."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    private_mode_ensure(path, PRIVATE_DIR_MODE)
    return path


def private_file_create(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; True if this call created it.

    The mode is given to open(2) itself, so the file is never readable by others, not even
    for the moment between its creation and a chmod.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True
