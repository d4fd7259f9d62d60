"""Zip safety of office documents: structure, members, uncompressed size, ratio, encryption."""

from __future__ import annotations

import io
import zipfile

from ._base import (
    _OLE_MAGIC,
    MAX_COMPRESSION_RATIO,
    MAX_ZIP_MEMBERS,
    RATIO_CHECK_FLOOR,
    IngestionError,
    _Context,
    _encrypted,
)


def _check_zip(data: bytes, context: _Context, kind: str) -> zipfile.ZipFile:
    """Open a DOCX/ODT container after checking it is a sane, bounded zip."""
    name = context.name
    corrupt = IngestionError(
        "corrupt",
        f"« {name} » n'est pas un document {kind} valide (fichier endommagé ou incomplet). "
        f"Ouvrez-le puis enregistrez-le de nouveau au format {kind} avant de réessayer.",
    )
    if data.startswith(_OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise _encrypted(name)
        raise IngestionError(
            "unsupported_type",
            f"« {name} » est au format Word 97-2003 (.doc) malgré son extension : enregistrez-le "
            "au format .docx ou .odt puis réessayez.",
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise corrupt from error
    bomb = IngestionError(
        "zip_bomb",
        f"« {name} » se décompresse en un volume anormalement grand (archive piégée ou "
        "document démesuré) : il a été refusé. Enregistrez une version allégée puis réessayez.",
    )
    if len(members) > MAX_ZIP_MEMBERS:
        raise bomb
    total = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members)
    if total > context.max_uncompressed_bytes:
        raise bomb
    if total > RATIO_CHECK_FLOOR and total > MAX_COMPRESSION_RATIO * max(compressed, 1):
        raise bomb
    for member in members:
        if member.file_size > RATIO_CHECK_FLOOR and member.file_size > MAX_COMPRESSION_RATIO * max(
            member.compress_size, 1
        ):
            raise bomb
    if any(member.flag_bits & 0x1 for member in members):
        raise _encrypted(name)
    try:
        bad = archive.testzip()  # reads every member, bounded by the declared sizes above
    except Exception as error:  # BadZipFile, zlib.error, EOFError, NotImplementedError...
        raise corrupt from error
    if bad is not None:
        raise corrupt
    return archive
