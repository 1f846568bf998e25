"""The broken-backup corpus: backup folders damaged the ways disks, people and attackers damage them.

Each case turns a good backup folder (``monitor backup``, the current schema version) into a broken one, or
into a different but valid one, and says what ``monitor restore`` must do with it:

- ``reject = (source, fragment)``: refused with exit code 5, the first problem naming ``source``
  (a file of the backup, or "backup folder") and containing ``fragment``; the store is untouched
  (tests/test_maintenance.py compares checksums; tests/test_cli_errors.py runs the console script);
- ``reject = None``: restored, and the store then holds exactly the backup's rows.

Nothing is committed: the cases are applied at test time to a fresh backup of a test store.
docs/bad-inputs.md lists every case ("Backups").
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from monitor.store import schema
from monitor.store.maintenance import _table_checksum

MANIFEST = "manifest.json"
# The latest schema version that created a table (later ones, such as 7, only add columns).
_LAST_TABLE_VERSION = max(m.version for m in schema.MIGRATIONS if any("CREATE TABLE" in x for x in m.statements))


@dataclass(frozen=True)
class Case:
    name: str
    what: str
    damage: Callable[[Path], Path]  # takes the good backup folder, returns the folder to restore
    reject: tuple[str, str] | None

    @property
    def restores(self) -> bool:
        return self.reject is None


# ---------------------------------------------------------------- tools


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def _write_manifest(folder: Path, manifest: Any) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _edit(change: Callable[[dict[str, Any]], Any]) -> Callable[[Path], Path]:
    """Change the parsed manifest in place (or return a replacement document)."""
    def damage(folder: Path) -> Path:
        manifest = _manifest(folder)
        replaced = change(manifest)
        _write_manifest(folder, manifest if replaced is None else replaced)
        return folder

    return damage


def _raw_manifest(text: str | bytes) -> Callable[[Path], Path]:
    def damage(folder: Path) -> Path:
        data = text.encode("utf-8") if isinstance(text, str) else text
        (folder / MANIFEST).write_bytes(data)
        return folder

    return damage


def _files(change: Callable[[Path], None]) -> Callable[[Path], Path]:
    def damage(folder: Path) -> Path:
        change(folder)
        return folder

    return damage


def _rewrite(table: str, select: str) -> Callable[[Path], None]:
    """Rewrite ``table``'s Parquet file as ``select`` over its rows (``t``)."""
    def change(folder: Path) -> None:
        path = folder / f"{table}.parquet"
        tmp = folder / f"{table}.tmp"
        with duckdb.connect() as con:
            con.execute(f"COPY ({select.format(t=f'read_parquet({_literal(path)})')}) TO {_literal(tmp)} (FORMAT parquet)")
        os.replace(tmp, path)

    return change


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _checksum(folder: Path, table: str, version: int | None = None) -> dict[str, Any]:
    """The row count and digest that `monitor backup` would write for the table's file as it is (at schema
    ``version``: the table's columns then; default the current one)."""
    with duckdb.connect() as con:
        schema.migrate(con, up_to=version)
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?)", [str(folder / f"{table}.parquet")])
        rows, digest = _table_checksum(con, table)
    return {"rows": rows, "digest": digest}


def _as_version_2(keep_claim: bool) -> Callable[[Path], Path]:
    """The backup as schema version 2 made it: none of the tables of later versions (scheduler_lease,
    those of version 4, ...), none of the columns later versions added (the target forms of version 5,
    ...), schema_migration without the later versions. With ``keep_claim`` the manifest still says the
    current versions (and keeps those tables)."""
    def damage(folder: Path) -> Path:
        from monitor.store.maintenance import schema_columns

        _rewrite("schema_migration", "SELECT * FROM {t} WHERE version <= 2")(folder)
        manifest = _manifest(folder)
        manifest["tables"]["schema_migration"] = _checksum(folder, "schema_migration")
        if not keep_claim:
            then, now = schema_columns(2), schema_columns(schema.LATEST_VERSION)
            for table in sorted(manifest["tables"]):
                if table not in then:
                    (folder / f"{table}.parquet").unlink()
                    del manifest["tables"][table]
                elif then[table] != now.get(table):  # columns added since (ALTER TABLE of a later version)
                    _rewrite(table, "SELECT " + ", ".join(then[table]) + " FROM {t}")(folder)
                    manifest["tables"][table] = _checksum(folder, table, version=2)
            manifest["schema_versions"] = [1, 2]
        _write_manifest(folder, manifest)
        return folder

    return damage


def _moved(name: str) -> Callable[[Path], Path]:
    """The whole backup in a sibling folder called ``name``."""
    def damage(folder: Path) -> Path:
        target = folder.parent / name
        shutil.move(str(folder), str(target))
        return target

    return damage


def _symlink_table(folder: Path) -> None:
    outside = folder.parent / "elsewhere-reading.parquet"
    shutil.move(str(folder / "reading.parquet"), str(outside))
    (folder / "reading.parquet").symlink_to(outside)


def _symlink_manifest(folder: Path) -> None:
    outside = folder.parent / "elsewhere-manifest.json"
    shutil.move(str(folder / MANIFEST), str(outside))
    (folder / MANIFEST).symlink_to(outside)


def _folder_for_table(folder: Path) -> None:
    (folder / "reading.parquet").unlink()
    (folder / "reading.parquet").mkdir()


def _fifo_for_table(folder: Path) -> None:
    (folder / "reading.parquet").unlink()
    os.mkfifo(folder / "reading.parquet")


def _truncate(table: str, size: int) -> Callable[[Path], None]:
    def change(folder: Path) -> None:
        path = folder / f"{table}.parquet"
        path.write_bytes(path.read_bytes()[:size])

    return change


def _drop_table(table: str) -> Callable[[Path], Path]:
    def damage(folder: Path) -> Path:
        (folder / f"{table}.parquet").unlink()
        manifest = _manifest(folder)
        del manifest["tables"][table]
        _write_manifest(folder, manifest)
        return folder

    return damage


def _extra_table(name: str, schema_versions: list[int] | None = None) -> Callable[[Path], Path]:
    def damage(folder: Path) -> Path:
        if "/" not in name:
            shutil.copyfile(folder / "reading.parquet", folder / f"{name}.parquet")
        manifest = _manifest(folder)
        manifest["tables"][name] = dict(manifest["tables"]["reading"])
        if schema_versions is not None:
            manifest["schema_versions"] = schema_versions
        _write_manifest(folder, manifest)
        return folder

    return damage


def _duplicate_table_entry(folder: Path) -> Path:
    text = (folder / MANIFEST).read_text(encoding="utf-8")
    entry = json.dumps(_manifest(folder)["tables"]["indicator"])
    # A second "reading" key inside "tables": json.loads alone would keep the last one silently.
    (folder / MANIFEST).write_text(text.replace('"tables": {', '"tables": {"reading": ' + entry + ",", 1), encoding="utf-8")
    return folder


def _set_entry(table: str, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        manifest["tables"][table][key] = value

    return change


def _delete_entry_key(table: str, key: str) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        del manifest["tables"][table][key]

    return change


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        manifest[key] = value

    return change


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    def change(manifest: dict[str, Any]) -> None:
        del manifest[key]

    return change


def _unlisted_file(folder: Path) -> Path:
    shutil.copyfile(folder / "reading.parquet", folder / "reading-old.parquet")
    return folder


def _parquet_missing(folder: Path) -> Path:
    (folder / "reading.parquet").unlink()
    return folder


def _not_parquet(folder: Path) -> Path:
    (folder / "reading.parquet").write_text("indicator_id,value\nracks,5\n", encoding="utf-8")
    return folder


def _harmless_extras(folder: Path) -> Path:
    (folder / "README.txt").write_text("made before the upgrade\n", encoding="utf-8")
    (folder / "notes").mkdir()
    manifest = _manifest(folder)
    manifest["comment"] = "kept by the operator"
    _write_manifest(folder, manifest)
    return folder


def _newer_schema(manifest: dict[str, Any]) -> None:
    manifest["schema_versions"] = [*manifest["schema_versions"], schema.LATEST_VERSION + 1]


CASES: tuple[Case, ...] = (
    # -- the manifest is missing, unreadable or not what a backup writes
    Case("no-manifest", "manifest.json deleted (an unfinished backup, or not a backup at all)",
         _files(lambda f: (f / MANIFEST).unlink()), (MANIFEST, "is not a backup folder")),
    Case("manifest-truncated", "manifest.json cut off mid-way",
         _raw_manifest('{"tables": '), (MANIFEST, "is not valid JSON")),
    Case("manifest-not-utf8", "manifest.json in UTF-16",
         _raw_manifest('{"tables": {}}'.encode("utf-16")), (MANIFEST, "is not UTF-8")),
    Case("manifest-a-list", "manifest.json is a JSON list", _raw_manifest("[]"), (MANIFEST, "must be a JSON object")),
    Case("manifest-huge", "manifest.json of 2 MB (padding in created_at)",
         _edit(_set("created_at", "x" * 2_000_000)), (MANIFEST, "is larger than")),
    Case("manifest-huge-integer", "a row count of 5,000 digits",
         _raw_manifest('{"schema_versions": [1], "tables": {"reading": {"rows": ' + "9" * 5000 + "}}}"),
         (MANIFEST, "a number of thousands of digits")),
    Case("manifest-deeply-nested", "100,000 nested lists",
         _raw_manifest("[" * 100_000 + "]" * 100_000), (MANIFEST, "nested too deeply")),
    Case("manifest-symlink", "manifest.json is a symbolic link to a file outside the folder",
         _files(_symlink_manifest), (MANIFEST, "is a symbolic link")),
    Case("duplicate-table-entry", "the table reading named twice in 'tables'",
         _duplicate_table_entry, (MANIFEST, "names one key twice")),
    # -- schema versions
    Case("schema-versions-missing", "no 'schema_versions'", _edit(_delete("schema_versions")),
         (MANIFEST, "lacks 'schema_versions'")),
    Case("schema-versions-text", "'schema_versions': \"3\"", _edit(_set("schema_versions", "3")),
         (MANIFEST, "must be a list of whole numbers")),
    Case("schema-versions-not-integers", "'schema_versions': [1.0, 2.5, true]",
         _edit(_set("schema_versions", [1.0, 2.5, True])), (MANIFEST, "must be a list of whole numbers")),
    Case("schema-versions-empty", "'schema_versions': []", _edit(_set("schema_versions", [])),
         (MANIFEST, "must be a list of whole numbers")),
    Case("schema-versions-gap", "'schema_versions': [1, 3]", _edit(_set("schema_versions", [1, 3])),
         (MANIFEST, "in order, each once")),
    Case("schema-version-newer", "a schema version newer than this code knows",
         _edit(_newer_schema), (MANIFEST, "newer than this indicator-monitor knows")),
    Case("table-of-a-later-version", "'schema_versions' without the latest version that added a table, but its tables",
         _edit(_set("schema_versions", [m.version for m in schema.MIGRATIONS if m.version < _LAST_TABLE_VERSION])),
         (MANIFEST, f"is defined from schema version {_LAST_TABLE_VERSION} on")),
    Case("schema-migration-disagrees", "schema_migration.parquet records versions 1-2, the manifest says 1-3",
         _as_version_2(keep_claim=True), ("schema_migration.parquet", "records schema versions [1, 2]")),
    # -- tables: missing, extra, malformed entries
    Case("missing-table", "reading.parquet and its manifest entry deleted (issue 14, item 3)",
         _drop_table("reading"), (MANIFEST, f"schema version {schema.LATEST_VERSION} defines table reading")),
    Case("no-tables", "'tables': {} (issue 14, item 3)", _edit(_set("tables", {})),
         (MANIFEST, f"schema version {schema.LATEST_VERSION} defines table alert_delivery")),
    Case("tables-missing", "no 'tables' key", _edit(_delete("tables")), (MANIFEST, "lacks 'tables'")),
    Case("tables-a-list", "'tables' is a list of names", _edit(lambda m: m.__setitem__("tables", list(m["tables"]))),
         (MANIFEST, "'tables' must map each table name")),
    Case("entry-not-an-object", "'reading': \"x\"", _edit(lambda m: m["tables"].__setitem__("reading", "x")),
         (MANIFEST, "must be an object with 'rows' and 'digest'")),
    Case("entry-lacks-rows", "the reading entry without 'rows'", _edit(_delete_entry_key("reading", "rows")),
         (MANIFEST, "lacks 'rows'")),
    Case("entry-lacks-digest", "the reading entry without 'digest'", _edit(_delete_entry_key("reading", "digest")),
         (MANIFEST, "lacks 'digest'")),
    Case("rows-fraction", "'rows': 2.5", _edit(_set_entry("reading", "rows", 2.5)), (MANIFEST, "'rows' must be a whole number")),
    Case("rows-boolean", "'rows': true", _edit(_set_entry("reading", "rows", True)), (MANIFEST, "'rows' must be a whole number")),
    Case("rows-negative", "'rows': -1", _edit(_set_entry("reading", "rows", -1)), (MANIFEST, "'rows' must be a whole number")),
    Case("digest-not-hex", "'digest': \"zz\"", _edit(_set_entry("reading", "digest", "zz")),
         (MANIFEST, "'digest' must be 16")),
    Case("unknown-table", "a table 'ghost' no schema version defines, with its file",
         _extra_table("ghost"), (MANIFEST, "names a table that no schema version")),
    Case("path-in-table-name", "a table named '../reading'", _extra_table("../reading"),
         (MANIFEST, "names a table that no schema version")),
    # -- the files
    Case("file-not-in-manifest", "a Parquet file the manifest does not list",
         _unlisted_file, ("backup folder", "its manifest does not list")),
    Case("file-missing", "reading.parquet deleted, its entry kept", _parquet_missing, ("reading.parquet", "is missing")),
    Case("symlinked-file", "reading.parquet is a symbolic link to a file outside the folder",
         _files(_symlink_table), ("reading.parquet", "is a symbolic link")),
    Case("file-is-a-folder", "reading.parquet is a folder", _files(_folder_for_table), ("reading.parquet", "is a folder")),
    Case("file-is-a-fifo", "reading.parquet is a FIFO (reading it would wait for ever)",
         _files(_fifo_for_table), ("reading.parquet", "is not a regular file")),
    Case("truncated-parquet", "reading.parquet cut to its first 300 bytes",
         _files(_truncate("reading", 300)), ("reading.parquet", "cannot be read as Parquet")),
    Case("empty-parquet", "reading.parquet of zero bytes", _files(_truncate("reading", 0)),
         ("reading.parquet", "cannot be read as Parquet")),
    Case("not-parquet", "reading.parquet holds CSV text", _not_parquet, ("reading.parquet", "cannot be read as Parquet")),
    Case("extra-column", "reading.parquet with a column the table does not have",
         _files(_rewrite("reading", "SELECT *, 1 AS extra FROM {t}")), ("reading.parquet", "has columns that table reading does not have")),
    Case("missing-column", "reading.parquet without its note column",
         _files(_rewrite("reading", "SELECT * EXCLUDE (note) FROM {t}")), ("reading.parquet", "lacks columns of table reading: note")),
    Case("wrong-column-type", "reading.parquet with text in the value column",
         _files(_rewrite("reading", "SELECT * REPLACE ('abc' AS value) FROM {t}")),
         ("reading.parquet", "cannot be loaded into table reading")),
    Case("row-count-differs", "the manifest's row count of reading one more than the file holds",
         _edit(lambda m: m["tables"]["reading"].__setitem__("rows", m["tables"]["reading"]["rows"] + 1)),
         ("reading.parquet", "the manifest says")),
    Case("tampered-value", "one reading's value changed in the file (same number of rows)",
         _files(_rewrite("reading", "SELECT * REPLACE (value + 1 AS value) FROM {t}")),
         ("reading.parquet", "does not match the backup manifest")),
    Case("changed-digest", "the manifest's digest of reading changed", _edit(_set_entry("reading", "digest", "0" * 16)),
         ("reading.parquet", "does not match the backup manifest")),
    # -- valid backups that look unusual: restored
    Case("pattern-characters-in-folder-name", "the folder is called 'bk*[1]?' (DuckDB would read it as a file pattern)",
         _moved("bk*[1]?"), None),
    Case("older-schema-version", "a backup made at schema version 2: restored, then migrated to the current version",
         _as_version_2(keep_claim=False), None),
    Case("harmless-extras", "a README, a sub-folder and an unknown top-level manifest key: ignored",
         _harmless_extras, None),
)


def build(good: Path, out: Path) -> dict[str, Path]:
    """Every case, each applied to its own copy of the good backup folder ``good``, under ``out``:
    {case name: the folder to restore}."""
    out.mkdir(parents=True, exist_ok=True)
    folders = {}
    for case in CASES:
        copy = out / case.name / "backup"
        shutil.copytree(good, copy)
        folders[case.name] = case.damage(copy)
    return folders
