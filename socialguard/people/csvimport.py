"""Reading school CSV files: all-or-nothing, every bad row reported with its line number."""

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class CsvImportError(ValueError):
    exit_code = 2  # the command line's "bad input"

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors[:5]))


class CsvImportRefused(CsvImportError):
    """A well-formed file asking for something the actor may not do (a role change)."""

    exit_code = 1  # the command line's "refusal"


def read_csv(content: bytes | str, required_columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    """Rows as (line number, {column: value}); raises CsvImportError for a file that cannot be read."""
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CsvImportError(
                [
                    RowError(
                        0,
                        "",
                        f"the file is not UTF-8 text (byte {exc.start}); save it as 'CSV UTF-8'",
                    )
                ]
            ) from exc
    content = content.lstrip("\ufeff")
    if not content.strip():
        raise CsvImportError([RowError(1, "", "the file is empty")])
    reader = csv.DictReader(io.StringIO(content, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required_columns if c not in header]
    if missing:
        raise CsvImportError(
            [
                RowError(
                    1,
                    "",
                    f"missing column(s): {', '.join(missing)} (expected: {','.join(required_columns)})",
                )
            ]
        )
    reader.fieldnames = header
    rows, errors = [], []
    try:
        for record in reader:
            line = reader.line_num
            if None in record:
                errors.append(
                    RowError(line, "", "this row has more values than the header has columns")
                )
                continue
            short = [column for column, value in record.items() if value is None]
            if short:
                # a missing cell is not an empty one: in a consent file empty means "no"
                errors.append(
                    RowError(
                        line,
                        short[0],
                        f"this row has {len(header) - len(short)} values but the header has "
                        f"{len(header)} columns: no value for {', '.join(short)}",
                    )
                )
                continue
            rows.append((line, {k: v.strip() for k, v in record.items()}))
    except csv.Error as exc:
        raise CsvImportError([RowError(reader.line_num, "", f"not valid CSV: {exc}")]) from exc
    if errors:
        raise CsvImportError(errors)
    return rows
