"""Raw store: content addressed, write-once, atomic, read-only blobs."""
from __future__ import annotations

import hashlib
import os
import stat
import threading

import pytest

from esg_pipeline.ingest.rawstore import BlobMissing, BlobTooLarge, RawStoreError


def test_put_bytes_is_content_addressed_and_read_only(store, texts):
    data = texts.community_2021.encode()
    blob = store.put_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    assert blob.sha256 == digest and blob.bytes == len(data) and blob.created
    assert blob.path == store.path_for(digest) == store.root / "sha256" / digest[:2] / digest
    assert store.read(digest) == data
    assert digest in store
    assert not blob.path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)


def test_second_put_of_same_bytes_is_a_noop(store, texts):
    data = texts.community_2021.encode()
    first = store.put_bytes(data)
    inode = first.path.stat().st_ino
    second = store.put_bytes(data)
    assert second.path == first.path and second.sha256 == first.sha256
    assert not second.created
    assert second.path.stat().st_ino == inode  # the original file was not replaced


def test_changed_content_gets_a_new_version_and_old_stays(store, texts):
    old = store.put_bytes(texts.community_2021.encode())
    new = store.put_bytes(texts.community_2021.replace("4.6", "4.8").encode())
    assert old.sha256 != new.sha256
    assert store.read(old.sha256) == texts.community_2021.encode()
    assert b"4.8" in store.read(new.sha256)


def test_put_stream_enforces_max_bytes_and_leaves_nothing(store):
    chunks = (b"x" * 1000 for _ in range(10))
    with pytest.raises(BlobTooLarge, match="exceeds 2500 bytes"):
        store.put_stream(chunks, max_bytes=2500)
    assert not (store.root / "sha256").exists()
    assert list((store.root / "tmp").iterdir()) == []


def test_failed_stream_leaves_no_partial_blob(store):
    def chunks():
        yield b"partial report text"
        raise ConnectionError("socket closed")

    with pytest.raises(ConnectionError):
        store.put_stream(chunks())
    assert not (store.root / "sha256").exists()
    assert list((store.root / "tmp").iterdir()) == []


def test_concurrent_writers_of_same_content_store_it_once(store):
    data = os.urandom(200_000)
    results = []
    threads = [threading.Thread(target=lambda: results.append(store.put_bytes(data))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.created for r in results) == 1
    assert {r.sha256 for r in results} == {hashlib.sha256(data).hexdigest()}
    assert store.read(results[0].sha256) == data


def test_missing_and_corrupted_blobs_are_reported(store, texts):
    absent = "0" * 64
    with pytest.raises(BlobMissing, match=f"no blob {absent}"):
        store.read(absent)
    blob = store.put_bytes(texts.community_2021.encode())
    os.chmod(blob.path, 0o644)
    blob.path.write_bytes(b"tampered")
    with pytest.raises(RawStoreError, match="corrupted"):
        store.read(blob.sha256)


def test_a_corrupted_blob_is_quarantined_and_its_content_stored_again(store, texts):
    data = texts.community_2021.encode()
    blob = store.put_bytes(data)
    assert store.intact(blob.sha256) and store.intact("0" * 64)  # a missing blob is not a corrupt one
    os.chmod(blob.path, 0o644)
    blob.path.write_bytes(b"tampered")
    assert not store.intact(blob.sha256)
    moved = store.quarantine(blob.sha256)
    assert moved.parent == store.root / "quarantine" and moved.name.startswith(blob.sha256 + ".")
    assert moved.read_bytes() == b"tampered"  # kept, never deleted
    assert store.put_bytes(data).created and store.read(blob.sha256) == data
    assert store.quarantine("0" * 64) is None


def test_path_for_rejects_non_hashes(store):
    with pytest.raises(ValueError, match="not a lowercase hex sha256"):
        store.path_for("../../etc/passwd")
