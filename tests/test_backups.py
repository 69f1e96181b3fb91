"""`manage.py backup` and `manage.py restore` (what `make backup` and `make restore` run)."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import connection

from grants.models import Project
from tests.factories import AllocationFactory

# pg_restore and SQLite's backup API write outside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)

EVIDENCE = "evidence/2025/01/site-visit.pdf"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def portfolio(media):
    """Projects, money and an uploaded file: what a backup must bring back."""
    AllocationFactory.create_batch(2)
    default_storage.save(EVIDENCE, ContentFile(b"%PDF-1.4 evidence of a site visit\n" * 100))


def row_counts() -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def back_up(tmp_path):
    call_command("backup", dir=tmp_path / "backups")
    (folder,) = (tmp_path / "backups").iterdir()
    return folder


def round_trip(tmp_path, media) -> None:
    counts = row_counts()
    checksum = sha256(media / EVIDENCE)
    folder = back_up(tmp_path)

    call_command("flush", interactive=False)
    (media / EVIDENCE).unlink()
    assert Project.objects.count() == 0
    assert row_counts() != counts

    call_command("restore", folder, confirm=True)

    assert row_counts() == counts
    assert Project.objects.count() == 2
    assert sha256(media / EVIDENCE) == checksum


@pytest.mark.postgres
def test_a_postgresql_backup_restores_every_row_and_the_uploaded_files(portfolio, media, tmp_path):
    round_trip(tmp_path, media)


def test_a_sqlite_backup_restores_every_row_and_the_uploaded_files(portfolio, media, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("this run's database is not SQLite (.ci/run runs this file on SQLite too)")
    round_trip(tmp_path, media)


def test_a_backup_folder_holds_the_database_the_files_and_their_checksums(portfolio, tmp_path):
    folder = back_up(tmp_path)

    dump = "database.dump" if connection.vendor == "postgresql" else "database.sqlite3"
    assert sorted(path.name for path in folder.iterdir()) == sorted([dump, "manifest.json", "media.tar"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sha256"] == {name: sha256(folder / name) for name in (dump, "media.tar")}
    assert not list((tmp_path / "backups").glob("*.partial"))


def test_restore_is_refused_without_confirmation_while_the_site_holds_data(portfolio, media, tmp_path):
    folder = back_up(tmp_path)
    AllocationFactory()

    with pytest.raises(
        CommandError, match=r"The database .* has \d+ table\(s\) with rows and .* holds files.*--confirm"
    ):
        call_command("restore", folder)

    assert Project.objects.count() == 3


def test_a_damaged_backup_is_refused_before_anything_changes(portfolio, media, tmp_path):
    folder = back_up(tmp_path)
    with (folder / "media.tar").open("ab") as archive:
        archive.write(b"x")
    AllocationFactory()

    with pytest.raises(CommandError, match=r"media\.tar is missing or damaged"):
        call_command("restore", folder, confirm=True)

    assert Project.objects.count() == 3


def test_restore_refuses_a_folder_that_is_not_a_backup(db, tmp_path):
    with pytest.raises(CommandError, match="not a complete backup"):
        call_command("restore", tmp_path, confirm=True)


@pytest.mark.postgres
def test_backup_names_the_package_to_install_when_pg_dump_is_missing(portfolio, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(CommandError, match=r"pg_dump is not on PATH: install .*postgresql-client"):
        call_command("backup", dir=tmp_path / "backups")

    assert list((tmp_path / "backups").iterdir()) == []


def test_with_uploads_in_object_storage_a_backup_holds_the_database_alone(s3_bucket, tmp_path):
    AllocationFactory()
    default_storage.save(EVIDENCE, ContentFile(b"%PDF-1.4 evidence of a site visit\n"))

    folder = back_up(tmp_path)

    dump = "database.dump" if connection.vendor == "postgresql" else "database.sqlite3"
    assert sorted(path.name for path in folder.iterdir()) == sorted([dump, "manifest.json"])
    assert list(json.loads((folder / "manifest.json").read_text())["sha256"]) == [dump]


def test_a_backup_of_a_media_folder_is_not_restored_onto_a_site_that_keeps_files_in_a_bucket(
    portfolio, tmp_path, request
):
    folder = back_up(tmp_path / "made-with-a-folder")
    request.getfixturevalue("s3_bucket")
    AllocationFactory()

    with pytest.raises(CommandError, match=r"holds uploaded files from a folder.*keeps them in object storage"):
        call_command("restore", folder, confirm=True)

    assert Project.objects.count() == 3


def test_uploaded_files_are_restored_on_a_python_without_tar_filters(portfolio, media, tmp_path, monkeypatch):
    """Debian 12's Python 3.11.2 has no `filter` for `extractall`: the members checked beforehand are written."""
    monkeypatch.delattr(tarfile, "data_filter", raising=False)
    round_trip(tmp_path, media)


def _archive_also_holding(folder, member: tarfile.TarInfo) -> None:
    """The backup's archive of uploaded files with `member` added, and its checksum in the manifest made to match."""
    with tarfile.open(folder / "media.tar", "a") as archive:
        archive.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["sha256"]["media.tar"] = sha256(folder / "media.tar")
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _link(name: str, target: str) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.type, member.linkname = tarfile.SYMTYPE, target
    return member


def _file(name: str) -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    member.size = 1
    return member


@pytest.mark.parametrize(
    "member", [_link("evidence/passwd", "/etc/passwd"), _file("../outside.txt"), _file("/srv/absolute.txt")]
)
def test_an_archive_holding_a_link_or_a_path_out_of_the_media_folder_is_refused_before_anything_changes(
    portfolio, media, tmp_path, member
):
    folder = back_up(tmp_path)
    _archive_also_holding(folder, member)
    AllocationFactory()

    with pytest.raises(CommandError, match="which a restore does not write"):
        call_command("restore", folder, confirm=True)

    assert Project.objects.count() == 3
    assert (media / EVIDENCE).is_file()
    assert not (tmp_path / "outside.txt").exists()
