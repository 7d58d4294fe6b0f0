"""Back up the whole database to one file and restore it into an empty one.

What is dumped is decided from the models, not listed by hand: every concrete model of
every installed app (the history models of django-simple-history, the many-to-many
tables, users and groups, API tokens, the admin's log), except the tables ``migrate``
recreates (content types, permissions) and the sessions. A model added later is
dumped with no change here. References to content types and permissions are written
by natural key (``["add_amendment", "amendments", "amendment"]``), since their ids are
whatever ``migrate`` gave them.

The file format and its checks are in ``guidelines.backup_archive``.
"""

from __future__ import annotations

import base64
import datetime
import importlib.metadata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import django
from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.models.fields.related import ForeignKey
from django.utils import timezone
from django.utils.duration import duration_string

from guidelines.backup_archive import BackupError, BackupReader, BackupWriter, Manifest, Table

# Recreated by migrate (their ids are not stable: referenced by natural key) or
# worthless after a restore (sessions: everyone logs in again; django-axes' failed logins
# and lockouts: a restored site starts with none, as after `axes_reset`).
NOT_DUMPED = frozenset(
    {
        "contenttypes.contenttype",
        "auth.permission",
        "sessions.session",
        "axes.accessattempt",
        "axes.accessattemptexpiration",
        "axes.accessfailurelog",
        "axes.accesslog",
    }
)

CHUNK_SIZE = 2000


def label_of(model: type[models.Model]) -> str:
    return model._meta.label_lower


def dumped_models() -> list[type[models.Model]]:
    """The models whose rows a backup holds, in dependency order (a table after the
    tables it references, where there is no cycle; foreign keys are checked at the end
    of the restore anyway)."""
    candidates = {
        label_of(model): model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and not model._meta.swapped
        and label_of(model) not in NOT_DUMPED
    }
    ordered: list[type[models.Model]] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(label: str) -> None:
        if label in placed or label in visiting:
            return
        visiting.add(label)
        for field in candidates[label]._meta.concrete_fields:
            target = field.related_model if field.is_relation else None
            if isinstance(target, type) and label_of(target) in candidates:
                place(label_of(target))
        visiting.discard(label)
        placed.add(label)
        ordered.append(candidates[label])

    for label in sorted(candidates):
        place(label)
    return ordered


def _by_natural_key(field: models.Field[Any, Any]) -> bool:
    """A reference to a table the backup does not hold (content types, permissions)."""
    target = field.related_model
    return isinstance(field, ForeignKey) and label_of(cast(Any, target)) in NOT_DUMPED


def columns_of(model: type[models.Model]) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


# --- values ----------------------------------------------------------------------------

_NATIVE = (bool, int, float, str)


def _encode(value: Any) -> Any:
    """A column's value as JSON; ``field.to_python`` reads each form back exactly
    (datetimes keep their microseconds and offset, unlike dumpdata's encoder)."""
    if value is None or isinstance(value, _NATIVE):
        return value
    if isinstance(value, datetime.timedelta):
        return duration_string(value)
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return str(value)


def _row_encoder(model: type[models.Model]) -> Callable[[tuple[Any, ...]], list[Any]]:
    fields = list(model._meta.concrete_fields)
    natural: dict[int, dict[Any, Any]] = {}
    for index, field in enumerate(fields):
        if _by_natural_key(field):
            target = cast(Any, field.related_model)
            natural[index] = {obj.pk: list(obj.natural_key()) for obj in target._base_manager.all()}
    json_columns = {
        index for index, field in enumerate(fields) if isinstance(field, models.JSONField)
    }

    def encode(row: tuple[Any, ...]) -> list[Any]:
        values: list[Any] = []
        for index, value in enumerate(row):
            if value is None:
                values.append(None)
            elif index in natural:
                values.append(natural[index][value])
            elif index in json_columns:
                values.append(value)
            else:
                values.append(_encode(value))
        return values

    return encode


def _row_decoder(model: type[models.Model], table: Table) -> Callable[[list[Any], int], list[Any]]:
    """A row's values as the database takes them: each through its field's
    ``to_python`` (which refuses a value of the wrong type, even where SQLite would
    store it), then ``get_db_prep_save``."""
    fields = list(model._meta.concrete_fields)
    natural: dict[int, tuple[Any, dict[tuple[Any, ...], Any]]] = {
        index: (cast(Any, field.related_model), {})
        for index, field in enumerate(fields)
        if _by_natural_key(field)
    }

    def decode(row: list[Any], number: int) -> list[Any]:
        values: list[Any] = []
        for index, (field, value) in enumerate(zip(fields, row, strict=True)):
            try:
                if value is None or isinstance(field, models.JSONField):
                    values.append(value)
                elif index in natural:
                    target, cache = natural[index]
                    if not isinstance(value, list) or not all(
                        isinstance(part, str) for part in value
                    ):
                        raise ValidationError("not a natural key")
                    key = tuple(value)
                    if key not in cache:
                        try:
                            cache[key] = target._default_manager.get_by_natural_key(*key).pk
                        except ObjectDoesNotExist:
                            raise BackupError(
                                f"{table.label} refers to {target._meta.label} {list(key)}, "
                                "which this database does not have: run migrate with the "
                                "code that made the backup."
                            ) from None
                    values.append(cache[key])
                elif isinstance(value, dict | list):
                    raise ValidationError("a list or object")
                else:
                    values.append(field.to_python(value))
            except (ValidationError, TypeError, ValueError, OverflowError):
                raise BackupError(
                    f"Not a valid Redraft backup: row {number} of {table.label} has a bad "
                    f"value in {field.attname}."
                ) from None
        try:
            return [
                field.get_db_prep_save(value, connection)
                for field, value in zip(fields, values, strict=True)
            ]
        except (ValidationError, TypeError, ValueError, OverflowError):
            raise BackupError(
                f"Not a valid Redraft backup: row {number} of {table.label} has a bad value."
            ) from None

    return decode


# --- the state of the database ---------------------------------------------------------


def applied_migrations() -> dict[str, list[str]]:
    """Per app, the applied migrations that no other applied migration of the app
    depends on (the latest one, or several before a merge migration)."""
    loader = MigrationLoader(connection, ignore_no_migrations=True)
    applied = set(loader.applied_migrations)
    latest: dict[str, list[str]] = {}
    for app_label, name in sorted(applied):
        node = loader.graph.node_map.get((app_label, name))
        children = node.children if node is not None else set()
        if not any(child[0] == app_label and child in applied for child in children):
            latest.setdefault(app_label, []).append(name)
    return latest


def _versions() -> tuple[str, str]:
    try:
        redraft = importlib.metadata.version("redraft")
    except importlib.metadata.PackageNotFoundError:
        redraft = "unknown"
    return django.get_version(), redraft


# --- export ----------------------------------------------------------------------------


def _table_rows(model: type[models.Model]) -> Iterator[list[Any]]:
    encode = _row_encoder(model)
    queryset = model._base_manager.order_by("pk").values_list(*columns_of(model))
    for row in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield encode(row)


def database_export(*, path: Path) -> Manifest:
    """Write every dumped table to ``path`` (replaced atomically; nothing is left on
    failure). One transaction, so the tables are read as of one moment: on PostgreSQL
    in REPEATABLE READ (a snapshot; writers are not blocked), on SQLite a read
    transaction."""
    created_at = timezone.now().isoformat()
    django_version, redraft_version = _versions()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with BackupWriter(path) as writer:
            for model in dumped_models():
                writer.write_table(label_of(model), columns_of(model), _table_rows(model))
            return writer.finish(
                created_at=created_at,
                django=django_version,
                redraft=redraft_version,
                migrations=applied_migrations(),
            )


# --- import ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    manifest: Manifest
    rows: int


def _check_compatible(manifest: Manifest, models_by_label: dict[str, type[models.Model]]) -> None:
    here = applied_migrations()
    if manifest.migrations != here:
        differences = []
        for app in sorted(set(manifest.migrations) | set(here)):
            theirs, ours = manifest.migrations.get(app, []), here.get(app, [])
            if theirs != ours:
                differences.append(
                    f"{app}: backup {', '.join(theirs) or 'none'}, "
                    f"database {', '.join(ours) or 'none'}"
                )
        raise BackupError(
            "The backup was made at other migrations than this database's ("
            + "; ".join(differences[:5])
            + "). Restore with the code that made it (and run migrate first)."
        )
    unknown = [table.label for table in manifest.tables if table.label not in models_by_label]
    if unknown:
        raise BackupError(
            f"The backup holds tables this code does not dump: {', '.join(unknown[:5])}."
        )
    missing = sorted(set(models_by_label) - {table.label for table in manifest.tables})
    if missing:
        raise BackupError(f"The backup lacks tables: {', '.join(missing[:5])}.")
    for table in manifest.tables:
        expected = columns_of(models_by_label[table.label])
        if table.columns != expected:
            raise BackupError(
                f"The columns of {table.label} in the backup ({', '.join(table.columns)}) "
                f"are not this code's ({', '.join(expected)})."
            )


def _targets(model: type[models.Model]) -> set[str]:
    """The dumped tables ``model`` refers to."""
    return {
        label_of(cast(Any, field.related_model))
        for field in model._meta.concrete_fields
        if field.is_relation and not _by_natural_key(field)
    }


def occupied_tables() -> list[str]:
    return [label_of(model) for model in dumped_models() if model._base_manager.exists()]


def _check_empty() -> None:
    occupied = occupied_tables()
    if occupied:
        raise BackupError(
            "The database is not empty (rows in "
            + ", ".join(occupied[:5])
            + (", …" if len(occupied) > 5 else "")
            + "): restore only into a freshly migrated empty database."
        )


def _insert(model: type[models.Model], rows: list[list[Any]]) -> None:
    """Insert as loaddata does (``raw``): values as given, no ``auto_now``, no
    ``save()``, no signals (so no history rows are added); one prepared statement for
    the batch."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    # Table and column names come from the models (quoted); the values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    if connection.queries_logged:
        # With DEBUG on, Django keeps the last 9,000 statements: forget the inserts.
        connection.queries_log.clear()


def database_import(*, path: Path, batch_size: int = CHUNK_SIZE) -> RestoreReport:
    """Restore the backup at ``path`` into this database, which must hold no row in any
    dumped table (run ``migrate`` on an empty database first). Everything is checked
    before the first row is written (manifest, migrations, columns, counts, checksums);
    the rows are then loaded in one transaction, primary keys kept, foreign keys
    checked before the end, and the id sequences moved past the restored ids
    (PostgreSQL). Any failure raises ``BackupError`` and writes nothing."""
    models_by_label = {label_of(model): model for model in dumped_models()}
    with BackupReader(path) as reader:
        manifest = reader.manifest
        _check_compatible(manifest, models_by_label)
        _check_empty()  # before reading the whole file
        reader.verify()
        total = 0
        try:
            with transaction.atomic():
                _check_empty()  # again, in the transaction that writes
                order = [label_of(model) for model in dumped_models()]
                tables = sorted(manifest.tables, key=lambda table: order.index(table.label))
                loaded: set[str] = set()
                forward = False
                for table in tables:
                    model = models_by_label[table.label]
                    decode = _row_decoder(model, table)
                    batch: list[Any] = []
                    for number, row in enumerate(reader.rows(table), start=1):
                        batch.append(decode(row, number))
                        if len(batch) >= batch_size:
                            _insert(model, batch)
                            batch = []
                    if batch:
                        _insert(model, batch)
                    total += table.rows
                    loaded.add(table.label)
                    # Check the table's foreign keys now if it refers only to loaded
                    # tables (and no earlier table waits for a later one): PostgreSQL
                    # then forgets its queue of deferred checks, table by table.
                    forward = forward or not _targets(model) <= loaded
                    if not forward:
                        connection.check_constraints(table_names=[model._meta.db_table])
                restored = [models_by_label[table.label] for table in tables]
                connection.check_constraints(
                    table_names=[model._meta.db_table for model in restored]
                )
                statements = connection.ops.sequence_reset_sql(no_style(), restored)
                if statements:
                    with connection.cursor() as cursor:
                        for statement in statements:
                            cursor.execute(statement)
        except DatabaseError as exc:
            message = str(exc).strip()[:500]
            raise BackupError(f"The database refused the backup's rows: {message}") from None
    return RestoreReport(manifest=manifest, rows=total)
