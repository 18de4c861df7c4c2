"""``crowsnest bank add|add-hash|import|export|entries|...``: what goes into a bank."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from crowsnest.cli.common import DbOption, JsonOption, emit_json
from crowsnest.cli.database import session_scope, settings_for
from crowsnest.cli.output import note, print_table, progress_bar, say
from crowsnest.core.errors import CrowsnestError, InvalidInput
from crowsnest.services import banks as bank_service
from crowsnest.services import hashlists
from crowsnest.services.banks import AddResult
from crowsnest.services.scanning import error_dict

NameArgument = Annotated[str, typer.Argument(help="Bank name.", show_default=False)]
LabelOption = Annotated[list[str] | None, typer.Option(
    "--label", "-l", help="Label for the entry, e.g. 'industry:A1' (repeatable).",
    show_default=False)]
NoteOption = Annotated[str | None, typer.Option(help="Free-text note.", show_default=False)]


def _added_line(path: str | None, result: AddResult) -> dict[str, Any]:
    out: dict[str, Any] = {"entry": result.entry.to_dict(), "created": result.created}
    if path is not None:
        out = {"path": path, **out}
    if result.quality is not None:
        out["quality"] = result.quality
    return out


def add(
    name: NameArgument,
    paths: Annotated[list[Path], typer.Argument(help="Media files to hash and add.",
                                                show_default=False)],
    label: LabelOption = None, note_text: NoteOption = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Add the readable files even if some cannot be hashed "
        "(default: add nothing when any file fails).")] = False,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Hash media files and add their hashes (PDQ, MD5, SHA-256, ...) to a bank.

    The media itself is not stored. Adding a hash the bank already holds merges the
    labels into the existing entry."""
    settings = settings_for(db)
    failed: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    with session_scope(db) as session:
        bank_service.require_bank(session, name)
        for path in paths:
            try:
                results = bank_service.add_media(
                    session, name, path, labels=label, note=note_text, source_name=path.name,
                    max_pixels=settings.max_image_pixels, max_bytes=settings.max_upload_bytes)
            except (CrowsnestError, OSError) as error:
                if isinstance(error, CrowsnestError) and not isinstance(error, InvalidInput):
                    raise
                failed.append({"path": str(path), "error": error_dict(error)})
                continue
            lines.extend(_added_line(str(path), r) for r in results)
        if failed and not skip_invalid:
            for item in failed:
                _report_failure(item, json_output)
            raise InvalidInput(f"{len(failed)} of {len(paths)} files could not be hashed; "
                               "nothing was added (use --skip-invalid to add the others)")
    for item in failed:
        _report_failure(item, json_output)
    _print_added(lines, json_output)
    if failed:
        raise typer.Exit(2)


def _report_failure(item: dict[str, Any], json_output: bool) -> None:
    if json_output:
        emit_json(item)
    else:
        note(f"[red]cannot hash[/red] {item['path']}: {item['error']['message']}")


def _print_added(lines: list[dict[str, Any]], json_output: bool) -> None:
    if json_output:
        for line in lines:
            emit_json(line)
        return
    rows = []
    for line in lines:
        entry = line["entry"]
        rows.append([line.get("path"), entry["id"], entry["signal_type"], _short(entry["value"]),
                     line.get("quality"), "added" if line["created"] else "merged",
                     ", ".join(entry["labels"]) or None])
    print_table(["path", "entry", "signal", "hash", "quality", "result", "labels"], rows)


def _short(value: str) -> str:
    return value if len(value) <= 80 else f"{value[:64]}... ({len(value)} chars)"


def add_hash(
    name: NameArgument,
    signal_type: Annotated[str, typer.Argument(help="Signal type, e.g. pdq, md5, sha256.",
                                               show_default=False)],
    value: Annotated[str, typer.Argument(help="The hash value (hex).", show_default=False)],
    label: LabelOption = None, note_text: NoteOption = None,
    source: Annotated[str | None, typer.Option(help="Where the hash came from.",
                                               show_default=False)] = None,
    external_id: Annotated[str | None, typer.Option(help="The source's id for it.",
                                                    show_default=False)] = None,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Add one hash value to a bank (validated for its signal type)."""
    with session_scope(db) as session:
        result = bank_service.add_hash(session, name, signal_type, value, labels=label,
                                       note=note_text, source=source, external_id=external_id)
    _print_added([_added_line(None, result)], json_output)


def import_(
    name: NameArgument,
    file: Annotated[Path, typer.Argument(help="Hash list file ('-' reads stdin).",
                                         show_default=False)],
    format_name: Annotated[str | None, typer.Option(
        "--format", "-f", help="csv, jsonl, te or plain (default: detected from the file).",
        show_default=False)] = None,
    signal_type: Annotated[str | None, typer.Option(
        help="Signal type for rows that do not name one (plain md5/sha256 lists).",
        show_default=False)] = None,
    skip_invalid: Annotated[bool, typer.Option(
        "--skip-invalid", help="Import the good rows and report every bad one (default: "
        "the first bad row stops the import and nothing is written).")] = False,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """Import a hash list into a bank: streamed, in one transaction, duplicates merged."""
    stream, filename, size = _open_input(file)
    try:
        with session_scope(db) as session, progress_bar(f"importing {filename}", size,
                                                    in_bytes=True) as bar:
            report = hashlists.import_hashlist(
                session, name, stream, format_name=format_name, filename=filename,
                default_signal_type=signal_type, skip_invalid=skip_invalid,
                progress=lambda _rows: bar.update(_tell(stream), size),
                on_error=lambda bad: _report_skipped(bad, json_output))
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if json_output:
        summary = report.to_dict()
        del summary["errors"]  # every bad row was already emitted as it was met
        emit_json(summary)
    else:
        say(f"imported {filename} ({report.format}) into {report.bank!r}: read {report.read}, "
            f"inserted {report.inserted}, merged {report.merged}, skipped {report.skipped}")


def _report_skipped(bad: hashlists.RowError, json_output: bool) -> None:
    """Every bad row is shown as it is met, so none is lost to the report's cap."""
    if json_output:
        emit_json({"skipped": {"line": bad.line, "message": bad.message}})
    else:
        note(f"[yellow]skipped[/yellow] line {bad.line}: {bad.message}")


def _open_input(file: Path) -> tuple[IO[bytes], str, int | None]:
    if str(file) == "-":
        return sys.stdin.buffer, "stdin", None
    try:
        return file.open("rb"), file.name, file.stat().st_size
    except OSError as error:
        raise InvalidInput(f"cannot read {str(file)!r}: {error.strerror}") from error


def _tell(stream: IO[bytes]) -> int:
    try:
        return stream.tell()
    except (OSError, ValueError):
        return 0


def export(
    name: NameArgument,
    format_name: Annotated[str, typer.Option("--format", "-f",
                                             help="csv, jsonl, te or plain.")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write "
                                                "(default: stdout).", show_default=False)] = None,
    signal_type: Annotated[str | None, typer.Option(help="Only this signal type.",
                                                    show_default=False)] = None,
    include_disabled: Annotated[bool, typer.Option(
        "--include-disabled", help="Also export disabled entries.")] = False,
    db: DbOption = None,
) -> None:
    """Export a bank's enabled entries as a hash list (streamed)."""
    with session_scope(db) as session:
        bank_service.require_bank(session, name)
        if output is None:
            count = hashlists.export_hashlist(session, name, sys.stdout.buffer,
                                              format_name=format_name, signal_type=signal_type,
                                              include_disabled=include_disabled)
            sys.stdout.buffer.flush()
        else:
            count = _export_to_file(session, name, output, format_name=format_name,
                                    signal_type=signal_type, include_disabled=include_disabled)
    note(f"exported {count} entries of {name!r} as {format_name}"
         + (f" to {output}" if output else ""))


def _export_to_file(session: Any, name: str, output: Path, **options: Any) -> int:
    """Write to a temporary file beside ``output`` and rename it into place at the end, so
    a failed export never leaves a truncated list where a good one is expected."""
    partial = output.with_name(f".{output.name}.partial")
    try:
        with partial.open("wb") as stream:
            count = hashlists.export_hashlist(session, name, stream, **options)
        partial.replace(output)
    except OSError as error:
        raise InvalidInput(f"cannot write {str(output)!r}: {error.strerror}") from error
    finally:
        partial.unlink(missing_ok=True)
    return count


def entries(
    name: NameArgument,
    signal_type: Annotated[str | None, typer.Option(help="Only this signal type.",
                                                    show_default=False)] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many entries.")] = 50,
    after: Annotated[int, typer.Option(help="Start after this entry id (paging).")] = 0,
    json_output: JsonOption = False, db: DbOption = None,
) -> None:
    """List a bank's entries (id, signal type, hash, labels), in id order."""
    with session_scope(db) as session:
        page = bank_service.list_entries(session, name, signal_type=signal_type, limit=limit,
                                         after_id=after)
    if json_output:
        for entry in page:
            emit_json(entry.to_dict())
        return
    print_table(["entry", "signal", "hash", "enabled", "labels", "source"], [
        [e.id, e.signal_type, _short(e.value), "yes" if e.enabled else "no",
         ", ".join(e.labels) or None, e.source] for e in page])
    if len(page) == limit:
        note(f"more entries follow: --after {page[-1].id}")


EntryIdArgument = Annotated[int, typer.Argument(help="Entry id (see `crowsnest bank entries`).",
                                                show_default=False)]


def _entry_done(verb: str, entry: bank_service.EntryInfo, json_output: bool) -> None:
    if json_output:
        emit_json(entry.to_dict())
    else:
        say(f"{verb} entry {entry.id} ({entry.signal_type}) of bank {entry.bank!r}")


def enable_entry(entry_id: EntryIdArgument, json_output: JsonOption = False,
                 db: DbOption = None) -> None:
    """Enable one entry: it matches again."""
    with session_scope(db) as session:
        entry = bank_service.set_entry_enabled(session, entry_id, True)
    _entry_done("enabled", entry, json_output)


def disable_entry(entry_id: EntryIdArgument, json_output: JsonOption = False,
                  db: DbOption = None) -> None:
    """Disable one entry (e.g. a false positive): it never matches until enabled again."""
    with session_scope(db) as session:
        entry = bank_service.set_entry_enabled(session, entry_id, False)
    _entry_done("disabled", entry, json_output)


def remove_entry(entry_id: EntryIdArgument, json_output: JsonOption = False,
                 db: DbOption = None) -> None:
    """Delete one entry from its bank."""
    with session_scope(db) as session:
        entry = bank_service.delete_entry(session, entry_id)
    _entry_done("deleted", entry, json_output)


def register_on(bank_app: typer.Typer) -> None:
    """Attach the entry commands to the ``bank`` group."""
    bank_app.command("add")(add)
    bank_app.command("add-hash")(add_hash)
    bank_app.command("import")(import_)
    bank_app.command("export")(export)
    bank_app.command("entries")(entries)
    bank_app.command("enable-entry")(enable_entry)
    bank_app.command("disable-entry")(disable_entry)
    bank_app.command("remove-entry")(remove_entry)
