"""The backup file of ``export_all`` / ``import_all`` (pure Python, no Django import).

A backup is one zip file:

- ``manifest.json``: the format and its version, when and by what it was made (Django
  and Redraft versions), the latest applied migration(s) of every app, and per table
  (model label) its columns, row count, member name and SHA-256, with a SHA-256 of all
  the data (the members' bytes in manifest order);
- ``data/<app_label>.<model>.jsonl``: one JSON array per row, the columns in the
  manifest's order.

Written member by member and read line by line, so neither side holds a table in
memory. The manifest is written last (after the counts and checksums are known) and is
read first (zip keeps a directory at the end). The reader trusts nothing: the zip's
directory, sizes, names, manifest and every line are checked, with limits, and every
problem is a ``BackupError`` with a message for the person restoring.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FORMAT = "redraft-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATA_PREFIX = "data/"

# Limits for files from outside. A line is one row: the longest clause or paper text
# with its columns fits many times over. Declared sizes bound the work, since zipfile
# reads no more than a member's declared size (and checks its CRC).
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
MAX_LINE_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 64 * 1024**3
MAX_RATIO = 1000
MAX_MEMBERS = 10_000

_LABEL = re.compile(r"^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class BackupError(Exception):
    """The file cannot be written or is not a backup this code can restore."""


@dataclass(frozen=True)
class Table:
    label: str  # "app_label.modelname", lower case
    columns: list[str]
    rows: int
    sha256: str

    @property
    def member(self) -> str:
        return f"{DATA_PREFIX}{self.label}.jsonl"


@dataclass(frozen=True)
class Manifest:
    created_at: str
    django: str
    redraft: str
    migrations: dict[str, list[str]]
    tables: list[Table]
    sha256: str
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "format_version": self.format_version,
            "created_at": self.created_at,
            "django": self.django,
            "redraft": self.redraft,
            "migrations": self.migrations,
            "tables": [
                {
                    "label": table.label,
                    "columns": table.columns,
                    "rows": table.rows,
                    "sha256": table.sha256,
                }
                for table in self.tables
            ],
            "sha256": self.sha256,
        }

    def table(self, label: str) -> Table:
        for table in self.tables:
            if table.label == label:
                return table
        raise KeyError(label)


def encode_row(values: Iterable[Any]) -> bytes:
    """One row as a line: compact JSON, UTF-8 (newlines in texts are escaped)."""
    return json.dumps(list(values), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


@dataclass
class _Open:
    label: str
    columns: list[str]
    handle: IO[bytes]
    digest: Any
    rows: int = 0


@dataclass
class BackupWriter:
    """Write a backup to ``path`` atomically: into a temporary file beside it, renamed
    over ``path`` by ``finish``; ``abort`` (or an exception in the ``with`` block)
    removes it, so a failed export leaves no half file."""

    path: Path
    _tables: list[Table] = field(default_factory=list)
    _total: Any = field(default_factory=hashlib.sha256)
    _zip: zipfile.ZipFile | None = None
    _temporary: Path | None = None

    def __enter__(self) -> BackupWriter:
        directory = self.path.parent
        try:
            handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
        except OSError as exc:
            raise BackupError(f"Cannot write in {directory}: {exc.strerror}.") from None
        os.close(handle)
        self._temporary = Path(name)
        self._zip = zipfile.ZipFile(self._temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=6)
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is not None:
            self.abort()

    def write_table(self, label: str, columns: list[str], rows: Iterable[Iterable[Any]]) -> Table:
        assert self._zip is not None
        digest = hashlib.sha256()
        count = 0
        info = zipfile.ZipInfo(Table(label, columns, 0, "").member, time.localtime()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        with self._zip.open(info, "w", force_zip64=True) as handle:
            for row in rows:
                line = encode_row(row)
                digest.update(line)
                self._total.update(line)
                handle.write(line)
                count += 1
        table = Table(label=label, columns=list(columns), rows=count, sha256=digest.hexdigest())
        self._tables.append(table)
        return table

    def finish(
        self, *, created_at: str, django: str, redraft: str, migrations: dict[str, list[str]]
    ) -> Manifest:
        assert self._zip is not None and self._temporary is not None
        manifest = Manifest(
            created_at=created_at,
            django=django,
            redraft=redraft,
            migrations=migrations,
            tables=list(self._tables),
            sha256=self._total.hexdigest(),
        )
        self._zip.writestr(MANIFEST, json.dumps(manifest.to_json(), indent=1, sort_keys=True))
        self._zip.close()
        self._zip = None
        os.replace(self._temporary, self.path)
        self._temporary = None
        return manifest

    def abort(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None
        if self._temporary is not None:
            self._temporary.unlink(missing_ok=True)
            self._temporary = None


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise BackupError(f"Not a valid Redraft backup: {message}")


def parse_manifest(data: bytes) -> Manifest:
    """Check the manifest's shape and values; the format version is checked first, so
    a file from another version gets that message rather than a shape error."""
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BackupError("Not a valid Redraft backup: its manifest is not JSON.") from None
    _need(isinstance(raw, dict) and raw.get("format") == FORMAT, "the manifest is not Redraft's.")
    version = raw.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"This backup is in format version {version!r}; this Redraft reads version "
            f"{FORMAT_VERSION} only. Restore it with the Redraft version that made it."
        )
    for key in ("created_at", "django", "redraft", "sha256"):
        _need(isinstance(raw.get(key), str), f"the manifest has no {key}.")
    _need(bool(_SHA256.match(raw["sha256"])), "the manifest's sha256 is not a SHA-256.")
    migrations = raw.get("migrations")
    _need(
        isinstance(migrations, dict)
        and all(
            isinstance(app, str)
            and isinstance(names, list)
            and all(isinstance(name, str) for name in names)
            for app, names in migrations.items()
        ),
        "the manifest's migrations are not a list per app.",
    )
    tables_raw = raw.get("tables")
    _need(
        isinstance(tables_raw, list) and len(tables_raw) <= MAX_MEMBERS,
        "the manifest has no list of tables.",
    )
    tables: list[Table] = []
    for item in tables_raw:
        _need(isinstance(item, dict), "a table of the manifest is not an object.")
        label, columns = item.get("label"), item.get("columns")
        rows, sha256 = item.get("rows"), item.get("sha256")
        _need(isinstance(label, str) and bool(_LABEL.match(label)), f"bad table label {label!r}.")
        _need(
            isinstance(columns, list) and all(isinstance(column, str) for column in columns),
            f"the columns of {label} are not a list of names.",
        )
        _need(
            isinstance(rows, int) and not isinstance(rows, bool) and rows >= 0,
            f"the row count of {label} is not a number.",
        )
        _need(isinstance(sha256, str) and bool(_SHA256.match(sha256)), f"bad sha256 of {label}.")
        tables.append(Table(label=label, columns=columns, rows=rows, sha256=sha256))
    labels = [table.label for table in tables]
    _need(len(set(labels)) == len(labels), "a table is listed twice.")
    return Manifest(
        created_at=raw["created_at"],
        django=raw["django"],
        redraft=raw["redraft"],
        migrations={app: list(names) for app, names in migrations.items()},
        tables=tables,
        sha256=raw["sha256"],
    )


class BackupReader:
    """Open a backup, check its directory and manifest; ``verify`` reads every member
    once (counts and checksums, without parsing); ``rows`` then yields a table's rows,
    checking each line and, at the end, the count and checksum again (the file could
    have changed between the two readings)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise BackupError(f"{path}: no such file.") from None
        except IsADirectoryError:
            raise BackupError(f"{path} is a directory, not a backup file.") from None
        except OSError as exc:
            raise BackupError(f"{path}: {exc.strerror}.") from None
        except (zipfile.BadZipFile, zlib.error, ValueError, EOFError):
            raise BackupError(
                f"{path} is not a Redraft backup (not a zip file, or truncated)."
            ) from None
        try:
            self.manifest = self._open_manifest()
        except BaseException:
            self._zip.close()
            raise

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> BackupReader:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def _open_manifest(self) -> Manifest:
        infos = self._zip.infolist()
        _need(len(infos) <= MAX_MEMBERS + 1, "too many members.")
        names = [info.filename for info in infos]
        _need(len(set(names)) == len(names), "a member is stored twice.")
        by_name = {info.filename: info for info in infos}
        if MANIFEST not in by_name:
            raise BackupError(f"{self.path} is not a Redraft backup (it has no {MANIFEST}).")
        total = 0
        for info in infos:
            _need(not info.flag_bits & 0x1, f"{info.filename} is encrypted.")
            total += info.file_size
            _need(
                info.file_size <= MAX_RATIO * max(info.compress_size, 1024),
                f"{info.filename} inflates {MAX_RATIO} times beyond its size (a zip bomb?).",
            )
        _need(total <= MAX_TOTAL_BYTES, f"it inflates to more than {MAX_TOTAL_BYTES} bytes.")
        _need(by_name[MANIFEST].file_size <= MAX_MANIFEST_BYTES, "the manifest is too large.")
        manifest = parse_manifest(self._read(MANIFEST, MAX_MANIFEST_BYTES))
        expected = {MANIFEST} | {table.member for table in manifest.tables}
        unexpected = sorted(set(names) - expected)
        _need(not unexpected, f"unexpected member {', '.join(unexpected[:3])}.")
        missing = sorted(expected - set(names))
        _need(not missing, f"{', '.join(missing[:3])} is missing.")
        return manifest

    def _read(self, name: str, limit: int) -> bytes:
        try:
            with self._zip.open(name) as handle:
                data = handle.read(limit + 1)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
            raise BackupError(f"Not a valid Redraft backup: {name} is corrupt.") from None
        _need(len(data) <= limit, f"{name} is too large.")
        return data

    def _lines(self, table: Table) -> Iterator[bytes]:
        """The member's lines, each checked for length, then its count and checksum."""
        digest = hashlib.sha256()
        count = 0
        try:
            with self._zip.open(table.member) as handle:
                while line := handle.readline(MAX_LINE_BYTES + 1):
                    _need(
                        line.endswith(b"\n"),
                        f"row {count + 1} of {table.label} is too long or cut short.",
                    )
                    digest.update(line)
                    count += 1
                    _need(count <= table.rows, f"{table.label} has more rows than counted.")
                    yield line
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError):
            raise BackupError(
                f"Not a valid Redraft backup: {table.member} is corrupt (damaged or truncated)."
            ) from None
        _need(
            count == table.rows,
            f"{table.label} has {count} rows, the manifest counts {table.rows}.",
        )
        _need(
            digest.hexdigest() == table.sha256,
            f"the checksum of {table.label} does not match (the file was altered or damaged).",
        )

    def verify(self) -> None:
        """Read every member once: counts, checksums and the checksum of all the data."""
        total = hashlib.sha256()
        for table in self.manifest.tables:
            for line in self._lines(table):
                total.update(line)
        _need(
            total.hexdigest() == self.manifest.sha256,
            "the checksum of the data does not match (the file was altered or damaged).",
        )

    def rows(self, table: Table) -> Iterator[list[Any]]:
        width = len(table.columns)
        for number, line in enumerate(self._lines(table), start=1):
            try:
                row = json.loads(line)
            except (ValueError, UnicodeDecodeError, RecursionError):
                raise BackupError(
                    f"Not a valid Redraft backup: row {number} of {table.label} is not JSON."
                ) from None
            _need(
                isinstance(row, list) and len(row) == width,
                f"row {number} of {table.label} does not have its {width} columns.",
            )
            yield row
