"""The attachments' settings (LEERRECHT_SERVER_BLOB_STORE, _BLOB_DIR, _S3_*, _TEAM_QUOTA_MB): defaults, and each
value that can't be used refused with its one line before the server starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from leerrecht_server.blobs import make_store
from leerrecht_server.core.config import ConfigError, resolve_serve


def test_by_default_the_chunks_go_into_the_database_with_10_gib_per_team() -> None:
    settings = resolve_serve({}, {})
    assert (settings.blob_store, settings.blob_dir, settings.team_quota_bytes) == ("database", None, 10 * 1024 ** 3)
    assert make_store(settings).name == "database"


def test_a_directory_store_takes_its_folder_from_the_environment(tmp_path: Path) -> None:
    settings = resolve_serve({}, {"LEERRECHT_SERVER_BLOB_STORE": "directory",
                                  "LEERRECHT_SERVER_BLOB_DIR": str(tmp_path / "blobs"),
                                  "LEERRECHT_SERVER_TEAM_QUOTA_MB": "2048"})
    store = make_store(settings)
    assert store.name == "directory" and (tmp_path / "blobs").is_dir() and settings.team_quota_bytes == 2 * 1024 ** 3
    assert (tmp_path / "blobs").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(("env", "line"), [
    ({"LEERRECHT_SERVER_BLOB_STORE": "ftp"},
     "LEERRECHT_SERVER_BLOB_STORE: 'ftp' is not one of database, directory, s3"),
    ({"LEERRECHT_SERVER_BLOB_STORE": "s3"},
     "LEERRECHT_SERVER_BLOB_STORE=s3 needs LEERRECHT_SERVER_S3_BUCKET, the bucket for the attachments"),
    ({"LEERRECHT_SERVER_BLOB_STORE": "s3", "LEERRECHT_SERVER_S3_BUCKET": "b",
      "LEERRECHT_SERVER_S3_ENDPOINT": "minio:9000"},
     "LEERRECHT_SERVER_S3_ENDPOINT: 'minio:9000' is not a URL: write it as https://host:port"),
    ({"LEERRECHT_SERVER_BLOB_STORE": "directory"},
     "LEERRECHT_SERVER_BLOB_STORE=directory needs LEERRECHT_SERVER_BLOB_DIR, the folder for the attachments"),
    ({"LEERRECHT_SERVER_BLOB_DIR": "/er/is/geen/map/blobs"},
     "LEERRECHT_SERVER_BLOB_DIR: no such folder: /er/is/geen/map"),
    ({"LEERRECHT_SERVER_TEAM_QUOTA_MB": "0"},
     "LEERRECHT_SERVER_TEAM_QUOTA_MB: 0 is not a number of megabytes (1-1073741824)"),
    ({"LEERRECHT_SERVER_TEAM_QUOTA_MB": "veel"},
     "LEERRECHT_SERVER_TEAM_QUOTA_MB: 'veel' is not a number of megabytes (1-1073741824)"),
])
def test_a_value_that_cannot_be_used_is_one_line(env: dict[str, str], line: str) -> None:
    with pytest.raises(ConfigError) as refused:
        resolve_serve({}, env)
    assert str(refused.value) == line
