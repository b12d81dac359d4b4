"""Files holding secrets or patients' data are created readable by their owner only (issue 10
item 5): the SQLite database (and its -wal/-shm), the generated secret key, the file outbox."""

from __future__ import annotations

import os
import stat
from email.message import EmailMessage

import pytest

from creneau import database
from notifier.channels.file import FileChannel
from notifier.messages import OutgoingEmail, OutgoingSms
from portal.models import Practice
from portal.settings import load_settings


@pytest.fixture
def loose_umask():
    """The usual umask (022) that makes new files world-readable unless created otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def modes(directory) -> dict[str, str]:
    return {str(path.relative_to(directory)): oct(stat.S_IMODE(path.stat().st_mode))
            for path in [directory, *directory.rglob("*")]}


async def test_database_secret_key_and_outbox_are_owner_only(tmp_path, loose_umask):
    var = tmp_path / "var"
    url = f"sqlite://{var}/creneau.sqlite3"
    settings = load_settings({"DATABASE_URL": url, "CRENEAU_VAR_DIR": str(var)}, env_file=None)
    assert str(settings.secret_key)  # generated into var/secret_key
    await database.migrate(url)
    await database.close()
    await database.init(url)
    try:
        await Practice.create(slug="lilas", name="Cabinet des Lilas")  # the -wal file now exists
        channel = FileChannel(var / "outbox")
        email = EmailMessage()
        email["Subject"] = "Rendez-vous confirmé"
        email.set_content("https://rdv.example.fr/b/secret")
        await channel.send(OutgoingEmail(email, "cabinet@example.fr", ("elise@example.org",), "<m1@rdv.example.fr>"))
        await channel.send(OutgoingSms("+33612345678", "Cabinet", "RDV mar. 1 déc. à 11h00", "ref-1"))
        found = modes(var)
    finally:
        await database.close()
    assert {"secret_key", "creneau.sqlite3", "creneau.sqlite3-wal", "outbox"} <= set(found)
    assert len([name for name in found if name.startswith("outbox/")]) == 2
    assert all(int(mode, 8) & 0o077 == 0 for mode in found.values()), found
