"""``--metadata-field NAME=PATH``: values found elsewhere in a record, put into its metadata under NAME.

Both readers give the same result: the record reader looks each path up in the record
(``values.field``), the columnar reader in the parsed block's struct columns, and declines a block
whose values it cannot give exactly (a type other than text, whole number or boolean, a key
holding a dot, a list index). An absent or null value leaves NAME out; the record's own
metadata key of that name is replaced when the path is found.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llmroute_cli.logs.model import Row
from llmroute_cli.logs.values import field
from llmroute_cli.rules.conditions import MISSING

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

Fields = tuple[tuple[str, str], ...]


def merged(rec: dict[str, Any], fields: Fields, meta: dict[str, Any] | None) -> dict[str, Any] | None:
    """``meta`` with each named field's value found in ``rec`` (a copy when anything is added)."""
    found = {}
    for name, path in fields:
        value = field(rec, path)
        if value is not MISSING and value is not None:
            found[name] = value
    return {**(meta or {}), **found} if found else meta


def with_metadata(extract: Any, fields: Fields) -> Any:
    """``extract`` with the named fields added to each row's metadata (an OTLP export's spans keep their own)."""

    def run(rec: dict[str, Any], joins: Any) -> Any:
        row = extract(rec, joins)
        if type(row) is not Row:
            return row
        meta = merged(rec, fields, row.metadata)
        return row if meta is row.metadata else row._replace(metadata=meta)

    return run


class _Decline(Exception):
    """A path whose values the columns cannot give exactly as the record reader would."""


def _column(table: pa.Table, path: str) -> pa.Array | None:
    """The values at ``path`` as one array, None when no record has it; _Decline when not exact here."""
    import pyarrow as pa

    parts = path.split(".")
    if any(p.lstrip("-").isdigit() for p in parts) or any("." in n for n in table.column_names):
        raise _Decline
    if parts[0] not in table.column_names:
        return None
    column = table.column(parts[0])
    array = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    for part in parts[1:]:
        kind = array.type
        if not pa.types.is_struct(kind):
            if pa.types.is_null(kind):
                return None
            raise _Decline
        names = [kind.field(i).name for i in range(kind.num_fields)]
        if any("." in n for n in names):
            raise _Decline
        if part not in names:
            return None
        array = _child(array, part)
    return array


def _child(array: pa.StructArray, name: str) -> pa.Array:
    """A struct's field, null where the struct itself is null."""
    import pyarrow.compute as pc

    return pc.struct_field(array, name)


def metadata_column(table: pa.Table, fields: Fields) -> np.ndarray | None:
    """Each row's metadata dict (None where nothing was found); None when the block is not exact here."""
    import numpy as np
    import pyarrow as pa

    rows = table.num_rows
    out = np.full(rows, None, dtype=object)
    for name, path in fields:
        try:
            array = _column(table, path)
        except _Decline:
            return None
        if array is None or pa.types.is_null(array.type):
            continue
        kind = array.type
        if not (pa.types.is_string(kind) or pa.types.is_int64(kind) or pa.types.is_boolean(kind)):
            return None
        for i, value in enumerate(array.to_pylist()):
            if value is not None:
                if out[i] is None:
                    out[i] = {}
                out[i][name] = value
    return out
