"""Backups of the database and the uploaded files (`manage.py backup`, `manage.py restore`).

A backup is a folder named by its UTC time under `BACKUP_DIR`: the database (`pg_dump`'s custom
format on PostgreSQL, a copy made with SQLite's backup API on SQLite), a tar of `MEDIA_ROOT`, and a
manifest with each file's SHA-256, checked before a restore changes anything. A backup is written
under `<folder>.partial` and renamed when complete, so a folder without that suffix is whole.

The files are packed from `MEDIA_ROOT` only while the site keeps them there (STORAGE_BACKEND=filesystem):
an S3 bucket is kept by its own versioning and replication, and its backups hold the database alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.core.files.storage import FileSystemStorage, storages
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from common.errors import DomainError

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar"
DATABASE_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
# Connection options of Django's that libpq also understands; the others (pool, isolation level…) are Django's own.
LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "connect_timeout")


class BackupError(DomainError):
    """A backup could not be made or restored; the message says why and what to do."""


def backup_create(*, backup_dir: Path, database: str = "default") -> Path:
    """Write a new backup folder under `backup_dir` and return it."""
    connection = connections[database]
    vendor = _vendor(connection)
    folder = Path(backup_dir) / datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
    partial = folder.with_name(f"{folder.name}.partial")
    if folder.exists() or partial.exists():
        raise BackupError(f"{folder} already exists: wait a second and back up again.")
    partial.mkdir(parents=True)
    try:
        dump = partial / DATABASE_FILES[vendor]
        if vendor == "postgresql":
            _run("pg_dump", "--format=custom", f"--file={dump}", _conninfo(connection), connection=connection)
        else:
            connection.ensure_connection()
            with closing(sqlite3.connect(dump)) as copy:
                connection.connection.backup(copy)
        packed = [dump]
        media_root = _media_root()
        if media_root is not None:
            _media_pack(media_root, partial / MEDIA_ARCHIVE)
            packed.append(partial / MEDIA_ARCHIVE)
        manifest = {
            "vendor": vendor,
            "database": str(connection.settings_dict["NAME"]),
            "created": datetime.now(tz=UTC).isoformat(timespec="seconds"),
            "sha256": {path.name: _sha256(path) for path in packed},
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return folder


def backup_restore(*, folder: Path, confirm: bool, database: str = "default") -> None:
    """Replace the database and `MEDIA_ROOT` with a backup's.

    Refused, before anything changes, when the backup is incomplete or damaged, was made from
    another database engine, or when the database or `MEDIA_ROOT` holds data and `confirm` is not set.
    """
    connection = connections[database]
    vendor = _vendor(connection)
    folder = Path(folder)
    manifest = _manifest_checked(folder)
    if manifest["vendor"] != vendor:
        raise BackupError(f"{folder} is a {manifest['vendor']} backup; this site's database is {vendor}.")
    media_root = _media_root()
    if media_root is None and MEDIA_ARCHIVE in manifest["sha256"]:
        raise BackupError(
            f"{folder} holds uploaded files from a folder, and this site keeps them in object storage: "
            f"upload what {MEDIA_ARCHIVE} holds to the bucket, or restore with STORAGE_BACKEND=filesystem."
        )
    restores_media = media_root is not None and MEDIA_ARCHIVE in manifest["sha256"]
    if restores_media:
        _media_members_checked(folder / MEDIA_ARCHIVE)
    held = _data_held(connection, media_root)
    if held and not confirm:
        found = " and ".join(held)
        raise BackupError(
            f"{found[0].upper()}{found[1:]}: a restore replaces them. Run it again with the confirmation "
            "(manage.py restore --confirm, or make restore BACKUP=… CONFIRM=1)."
        )
    dump = folder / DATABASE_FILES[vendor]
    if vendor == "postgresql":
        # Our own idle session must hold no lock on a table pg_restore drops.
        connection.close()
        _run(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            f"--dbname={_conninfo(connection)}",
            str(dump),
            connection=connection,
        )
    else:
        connection.ensure_connection()
        with closing(sqlite3.connect(dump)) as copy:
            copy.backup(connection.connection)
    if restores_media:
        _media_unpack(folder / MEDIA_ARCHIVE, media_root)


def _media_root() -> Path | None:
    """The folder the uploaded files are in; None when they are in object storage, not in a folder."""
    storage = storages["default"]
    return Path(storage.location) if isinstance(storage, FileSystemStorage) else None


def _vendor(connection: BaseDatabaseWrapper) -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def _conninfo(connection: BaseDatabaseWrapper) -> str:
    """A libpq connection string without the password, which goes through the environment instead."""
    from psycopg.conninfo import make_conninfo

    params = connection.settings_dict
    options = {key: value for key, value in params.get("OPTIONS", {}).items() if key in LIBPQ_OPTIONS}
    return make_conninfo(
        dbname=params["NAME"],
        host=params.get("HOST") or None,
        port=str(params["PORT"]) if params.get("PORT") else None,
        user=params.get("USER") or None,
        **options,
    )


def _run(tool: str, *args: str, connection: BaseDatabaseWrapper) -> None:
    if shutil.which(tool) is None:
        raise BackupError(
            f"{tool} is not on PATH: install PostgreSQL's client tools (Debian: apt-get install "
            "postgresql-client), of the server's major version or newer."
        )
    environment = dict(os.environ)
    if connection.settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = connection.settings_dict["PASSWORD"]
    finished = subprocess.run([tool, *args], env=environment, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise BackupError(f"{tool} failed: {finished.stderr.strip()}")


def _data_held(connection: BaseDatabaseWrapper, media_root: Path | None) -> list[str]:
    held = []
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        filled = 0
        for table in tables:
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608 (a table name from introspection)
            filled += cursor.fetchone() is not None
    if filled:
        held.append(f"the database {connection.settings_dict['NAME']} has {filled} table(s) with rows")
    if media_root is not None and media_root.is_dir() and any(media_root.iterdir()):
        held.append(f"{media_root} holds files")
    return held


def _manifest_checked(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError as missing:
        raise BackupError(f"{folder} is not a complete backup: it has no {MANIFEST}.") from missing
    for name, expected in manifest["sha256"].items():
        path = folder / name
        if not path.is_file() or _sha256(path) != expected:
            raise BackupError(f"{path} is missing or damaged (its SHA-256 differs from the manifest's).")
    return manifest


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _media_pack(media_root: Path, archive: Path) -> None:
    with tarfile.open(archive, "w") as tar:
        if media_root.is_dir():
            for child in sorted(media_root.iterdir()):
                tar.add(child, arcname=child.name)


def _media_unpack(archive: Path, media_root: Path) -> None:
    # The folder itself stays (it is often a mount point); what is in it becomes the backup's.
    media_root.mkdir(parents=True, exist_ok=True)
    for child in media_root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(media_root, filter="data")
        else:  # Python before 3.11.4 (Debian 12's 3.11.2) has no filter: the members were checked beforehand
            members = tar.getmembers()
            for member in members:
                member.mode &= 0o755  # what the filter does too: no set-uid bit, nothing writable by others
            tar.extractall(media_root, members=members)  # noqa: S202 - each member checked by _media_members_checked


def _media_members_checked(archive: Path) -> None:
    """Refuse, before anything changes, an archive of uploaded files that holds anything but files and folders inside
    the media folder (a link, a device, a path leading out of it), on every Python this runs on."""
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            path = PurePosixPath(member.name)
            if not (member.isfile() or member.isdir()) or path.is_absolute() or ".." in path.parts:
                raise BackupError(
                    f"{archive} holds {member.name!r}, which a restore does not write: only files and folders "
                    "inside the media folder."
                )
