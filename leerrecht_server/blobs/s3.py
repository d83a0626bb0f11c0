"""The S3-compatible blob store: one object per chunk, `<prefix><attachment id>/<index>`, in a bucket of
AWS S3, MinIO, Ceph or a cloud provider's object storage (LEERRECHT_SERVER_BLOB_STORE=s3; docs/server.md).
For an operator whose database should stay small and whose storage team already runs object storage.

The objects are the sealed chunks as the laptop made them: the storage provider learns what the
server's own disk would (sizes, counts, attachment ids, when), never a byte of a file. Credentials come
from boto3's own chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an instance role), never
from our settings, so they are not in `serve`'s command line or the worker environment we write.

As with the directory store, a chunk's object and its row in `attachment_chunks` are not in one
transaction: a PUT whose row then rolled back is overwritten by the resumed upload; a row whose object
is gone is a missing chunk, which every laptop refuses with its sentence. A PUT that returned is
durable (S3's contract), so nothing here waits for the manifest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from leerrecht_server.blobs.directory import checked_id

if TYPE_CHECKING:
    from leerrecht_server.core.config import Settings

# DeleteObjects takes at most 1,000 keys a request.
DELETE_BATCH = 1000


class S3Store:
    name = "s3"

    def __init__(self, client: Any, bucket: str, prefix: str):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Store:
        """A client for the configured bucket, checked once (HeadBucket): a wrong name, endpoint or
        credential stops `serve` with one line, instead of refusing every upload later."""
        from leerrecht_server.core.config import S3_BUCKET_ENV, ConfigError

        try:
            import boto3
            from botocore.config import Config
            from botocore.exceptions import BotoCoreError, ClientError
        except ImportError:
            raise ConfigError("LEERRECHT_SERVER_BLOB_STORE=s3 needs boto3: pip install 'leerrecht-desktop[server,s3]'"
                              ) from None
        assert settings.s3_bucket is not None  # Settings refuses s3 without a bucket
        client = boto3.client(
            "s3", endpoint_url=settings.s3_endpoint, region_name=settings.s3_region,
            # Path-style addressing: MinIO and most self-hosted stores have no per-bucket DNS names.
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"}))
        try:
            client.head_bucket(Bucket=settings.s3_bucket)
        except (BotoCoreError, ClientError) as exc:
            raise ConfigError(f"{S3_BUCKET_ENV}: the bucket {settings.s3_bucket!r} can't be used: "
                              f"{_reason(exc)}") from None
        return cls(client, settings.s3_bucket, settings.s3_prefix)

    def _key(self, attachment_id: str, index: int) -> str:
        return f"{self.prefix}{checked_id(attachment_id)}/{index}"

    def put(self, conn: Connection, attachment_id: str, index: int, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(attachment_id, index), Body=data)

    def get(self, conn: Connection, attachment_id: str, index: int) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(attachment_id, index))
        except self.client.exceptions.NoSuchKey:
            return None
        body = answer["Body"]
        try:
            data: bytes = body.read()
        finally:
            body.close()
        return data

    def delete(self, conn: Connection, attachment_ids: Sequence[str]) -> None:
        # Listed rather than computed from the chunk rows: an abandoned upload may have objects
        # whose rows rolled back, and those go too.
        for attachment_id in attachment_ids:
            folder = f"{self.prefix}{checked_id(attachment_id)}/"
            paginator = self.client.get_paginator("list_objects_v2")
            keys = [obj["Key"] for page in paginator.paginate(Bucket=self.bucket, Prefix=folder)
                    for obj in page.get("Contents", [])]
            for start in range(0, len(keys), DELETE_BATCH):
                self.client.delete_objects(Bucket=self.bucket, Delete={
                    "Objects": [{"Key": key} for key in keys[start:start + DELETE_BATCH]], "Quiet": True})


def _reason(exc: Exception) -> str:
    """botocore's error as one short line (its code and message; never the credentials)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        # HeadBucket answers with a bare status: say what it means for the operator.
        known = {"404": "there is no such bucket at this endpoint (create it, or check the name and "
                        "LEERRECHT_SERVER_S3_ENDPOINT)",
                 "403": "access denied (check the credentials in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
                        "and the bucket's policy)"}
        if code in known:
            return known[code]
        return " ".join(x for x in (code, message) if x) or type(exc).__name__
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
