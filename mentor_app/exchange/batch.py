"""One export batch: a signed manifest and its records, encrypted with age to the organisation.

A version 2 file (see docs/exchange-format.md) is one line of signed envelope
in the clear (which device, which number, the hash of what follows: no
content), then the age ciphertext. The envelope lets the mentor's own app tell
its real batches from anything else left in its folder without the
organisation's key. Plaintext inside the age message:
    line 1: {"manifest": {...}, "signature": "<Ed25519 over the canonical manifest>"}
    then:   one JSON record per line; the manifest holds the SHA-256 of these lines.
Version 1 files (age ciphertext alone) still open.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pyrage
from pyrage import x25519

from .keys import SigningKey, b64, fingerprint, unb64, verify

FORMAT = "mentor-app-batch"
FORMAT_VERSION = 2
SUFFIX = ".mentorlog"
ENVELOPE_MAGIC = b"mentor-app-batch 2 "
MAX_ENVELOPE = 4096
MAX_BYTES = 100 * 1024 * 1024  # no batch the app writes comes near this
AGE_MAGIC = b"age-encryption.org/v1"


# One encoder for every call: json.dumps with options builds a new one each time.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical(data: object) -> bytes:
    return _CANONICAL.encode(data).encode("utf-8")


def batch_name(sequence: int, batch_id: str) -> str:
    return f"{sequence:08d}-{batch_id}{SUFFIX}"


class Record(dict[str, Any]):
    """A record on its way into a batch, carrying the canonical bytes of its fields so they are written once
    (for the content hash, the record check and the batch line alike)."""

    __slots__ = ("_encoded",)

    def set_fields(self, fields: dict[str, Any]) -> bytes:
        encoded = canonical(fields)
        self["fields"] = fields
        self["content_sha256"] = hashlib.sha256(encoded).hexdigest()
        self._encoded = (fields, encoded)
        return encoded


def encoded_fields(r: dict[str, Any]) -> bytes | None:
    """The canonical bytes of a record's fields if they were kept beside it and still belong to it."""
    kept = getattr(r, "_encoded", None)
    return kept[1] if kept is not None and kept[0] is r.get("fields") else None


_PLACE = b'"fields":0'


def record_line(r: dict[str, Any]) -> bytes:
    """canonical(r) and a new line, with a record's kept field bytes put in place instead of written again."""
    encoded = encoded_fields(r)
    if encoded is None:
        return canonical(r) + b"\n"
    line = canonical({**r, "fields": 0})
    if line.count(_PLACE) != 1:  # the same words inside a value: write it out in full
        return canonical(r) + b"\n"
    return line.replace(_PLACE, b'"fields":' + encoded) + b"\n"


def record_stream(records: list[dict[str, Any]]) -> bytes:
    return b"".join(map(record_line, records))


def content_hash(payload: object) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def seal(
    *,
    records: list[dict[str, Any]],
    sequence: int,
    batch_id: str,
    previous_hash: str,
    created_at: str,
    device_key: SigningKey,
    mentor_name: str,
    recipients: list[str],
) -> bytes:
    """The batch file's bytes: the signed envelope line, then the encrypted manifest and records."""
    stream = record_stream(records)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "batch_id": batch_id,
        "sequence": sequence,
        "previous_batch_sha256": previous_hash,
        "created_at": created_at,
        "device_key": b64(device_key.public),
        "device_key_id": device_key.fingerprint,
        "mentor_name": mentor_name,
        "recipients": recipients,
        "record_count": len(records),
        "records_sha256": hashlib.sha256(stream).hexdigest(),
    }
    header = {"manifest": manifest, "signature": device_key.sign(canonical(manifest))}
    plaintext = canonical(header) + b"\n" + stream
    ciphertext: bytes = pyrage.encrypt(plaintext, [x25519.Recipient.from_str(r) for r in recipients])
    envelope = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "batch_id": batch_id,
        "sequence": sequence,
        "created_at": created_at,
        "device_key": manifest["device_key"],
        "device_key_id": manifest["device_key_id"],
        "age_sha256": hashlib.sha256(ciphertext).hexdigest(),
    }
    line = canonical({"envelope": envelope, "signature": device_key.sign(canonical(envelope))})
    return ENVELOPE_MAGIC + line + b"\n" + ciphertext


@dataclass(frozen=True)
class Envelope:
    """The signed, unencrypted first line of a version 2 batch."""

    batch_id: str
    sequence: int
    created_at: str
    device_key: bytes
    age_sha256: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.device_key)


ENVELOPE_HEAD = len(ENVELOPE_MAGIC) + MAX_ENVELOPE + 1  # enough of a file to hold its whole envelope line


def read_envelope(data: bytes, whole: bool = True) -> Envelope | None:
    """The envelope of a version 2 batch whose signature (and, for a `whole` file, ciphertext hash) holds.

    None for anything else. Who signed a file and which number it carries can be told from its
    first ENVELOPE_HEAD bytes alone; only the hash needs the whole file.
    """
    if not data.startswith(ENVELOPE_MAGIC):
        return None
    # Found and hashed in place: slicing off the magic and the line copied a whole file twice.
    end = data.find(b"\n", len(ENVELOPE_MAGIC), len(ENVELOPE_MAGIC) + MAX_ENVELOPE + 1)
    if end < 0:
        return None
    line = data[len(ENVELOPE_MAGIC) : end]
    try:
        outer = _json(line)
        envelope, signature = outer["envelope"], outer["signature"]
        device = unb64(envelope["device_key"])
        sequence = envelope["sequence"]
        if (
            envelope.get("format") != FORMAT
            or not isinstance(signature, str)
            or len(device) != 32
            or not isinstance(sequence, int)
            or isinstance(sequence, bool)
            or not 1 <= sequence < 2**63
            or not isinstance(envelope.get("batch_id"), str)
            or not envelope["batch_id"]
            or fingerprint(device) != envelope.get("device_key_id")
        ):
            return None
        if not verify(device, signature, canonical(envelope)):
            return None
        if canonical(outer) != line:  # only the bytes the app writes: a repeated key or extra space is not one
            return None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if whole and hashlib.sha256(memoryview(data)[end + 1 :]).hexdigest() != envelope.get("age_sha256"):
        return None
    return Envelope(envelope["batch_id"], sequence, str(envelope.get("created_at", "")), device, envelope["age_sha256"])


class BatchInvalid(Exception):
    """A batch that must not be used; `reason` is a plain sentence."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class OpenedBatch:
    manifest: dict[str, Any]
    records: list[Any]  # parsed lines, each still to pass the record check (None: not readable)

    @property
    def device_key(self) -> bytes:
        return unb64(self.manifest["device_key"])


def _json(line: bytes) -> Any:
    """One line of JSON as `canonical` writes it; anything it could not have written raises ValueError."""
    try:
        value = json.loads(line)
        # A lone surrogate escape can't be encoded, so it can't be hashed or signed. In UTF-8 (no NUL:
        # JSON in UTF-16 or -32 always has one) only a \u escape can make one, and only deep nesting
        # can make the encoder give up: other lines need no trial.
        if b"\\u" in line or b"\0" in line or line.count(b"[") + line.count(b"{") > 64:
            canonical(value)
    except RecursionError:  # nested deeper than any record: made by hand to break the reader
        raise ValueError("nested too deeply") from None
    return value


def _json_or_none(line: bytes) -> Any:
    try:
        return _json(line)
    except ValueError:
        return None


def open_batch(data: bytes, identities: list[str]) -> OpenedBatch:
    """Decrypt and verify a batch completely, or say why it can't be trusted."""
    envelope = None
    if not data:
        # Often a sync tool's placeholder or a copy that never finished: read again once it changes.
        raise BatchInvalid("It is empty: perhaps a copy or a sync that has not finished.")
    if data.startswith(ENVELOPE_MAGIC):
        envelope = read_envelope(data)
        if envelope is None:
            raise BatchInvalid(
                "Its outer signature does not match: it was changed or cut short after the mentor's app wrote it."
            )
        data = data.partition(b"\n")[2]
    elif not data.startswith(AGE_MAGIC):
        raise BatchInvalid("It is not a Mentor App batch.")
    try:
        plaintext = pyrage.decrypt(data, [x25519.Identity.from_str(i) for i in identities])
    except Exception:  # noqa: BLE001 - pyrage raises its own error types
        raise BatchInvalid(
            "It could not be decrypted with the organisation's keys (damaged, cut short, "
            "or encrypted for someone else)."
        ) from None
    header_line, _, stream = plaintext.partition(b"\n")
    try:
        header = _json(header_line)
        manifest, signature = header["manifest"], header["signature"]
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise BatchInvalid("It is not a Mentor App batch.") from None
    try:
        newer = int(manifest.get("format_version", 0)) > FORMAT_VERSION
    except (ValueError, TypeError, OverflowError):
        raise BatchInvalid("It is not a Mentor App batch.") from None
    if newer:
        raise BatchInvalid("It was written by a newer version of Mentor App.")
    try:
        device = unb64(manifest["device_key"])
    except (KeyError, ValueError, AttributeError):
        raise BatchInvalid("Its signing key is missing.") from None
    if (
        fingerprint(device) != manifest.get("device_key_id")
        or not isinstance(signature, str)
        or not verify(device, signature, canonical(manifest))
    ):
        raise BatchInvalid("Its signature does not match: it was changed after the mentor's app wrote it.")
    if not isinstance(manifest.get("batch_id"), str) or not manifest["batch_id"]:
        raise BatchInvalid("Its signed manifest has no batch id.")
    sequence = manifest.get("sequence")
    # A whole number SQLite can hold: anything else can be neither put in order nor remembered.
    if not isinstance(sequence, int) or isinstance(sequence, bool) or not 1 <= sequence < 2**63:
        raise BatchInvalid("Its signed manifest has no valid sequence number.")
    if hashlib.sha256(stream).hexdigest() != manifest.get("records_sha256"):
        raise BatchInvalid("Its records do not match its signed manifest: it was changed or cut short.")
    # A signed line that is not readable is refused on its own by the record check (None is no record),
    # so one bad line never stops the rest of a batch whose signature holds.
    records = [_json_or_none(line) for line in stream.splitlines() if line]
    if len(records) != manifest.get("record_count"):
        raise BatchInvalid("It holds a different number of records than its manifest says.")
    if envelope is not None and (envelope.batch_id, envelope.sequence, envelope.device_key) != (
        manifest["batch_id"],
        sequence,
        device,
    ):
        raise BatchInvalid("Its outer envelope and its signed manifest disagree: it was put together by hand.")
    return OpenedBatch(manifest, records)
