"""`keras.utils.get_file`: download a file once into the Keras cache (~/.keras/datasets),
check its hash, and optionally unpack it.

Archives are checked before anything is written: a member that is an absolute path, climbs
out with `..`, is a link pointing outside, or is a device file is refused (the path-traversal
flaws of Keras's get_file, CVE-2025-12060 / CVE-2025-12638, cannot happen here).
"""

from __future__ import annotations

import hashlib
import os
import tarfile
import tempfile
import zipfile
from urllib.parse import urlsplit

from eagerflow.core import files
from eagerflow.keras.utils import io_utils
from eagerflow.keras.utils.progbar import Progbar

__all__ = ["extract_archive", "get_file", "hash_file", "validate_file"]

_CHUNK = 1 << 16


def _resolve_hasher(algorithm: str, file_hash: str | None = None) -> str:
    if algorithm == "auto":
        return "sha256" if file_hash is not None and len(file_hash) == 64 else "md5"
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"hash_algorithm must be 'auto', 'sha256' or 'md5'. "
                         f"Received: hash_algorithm={algorithm!r}")
    return algorithm


def hash_file(fpath: str | os.PathLike, algorithm: str = "sha256",
              chunk_size: int = _CHUNK) -> str:
    """The hex digest of a file ('sha256', 'md5', or 'auto' = sha256), read in chunks."""
    hasher = hashlib.new("sha256" if algorithm == "auto" else _resolve_hasher(algorithm))
    with open(fpath, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str | os.PathLike, file_hash: str, algorithm: str = "auto",
                  chunk_size: int = _CHUNK) -> bool:
    """Whether the file's sha256 or md5 digest equals `file_hash` ('auto' picks by length)."""
    algorithm = _resolve_hasher(algorithm, file_hash)
    return hash_file(fpath, algorithm, chunk_size) == str(file_hash)


def _inside(root: str, path: str) -> bool:
    root = os.path.realpath(root)
    return os.path.commonpath([root, os.path.realpath(path)]) == root


def _check_tar_members(archive: tarfile.TarFile, path: str) -> list[tarfile.TarInfo]:
    members = archive.getmembers()
    for member in members:
        target = os.path.join(path, member.name)
        if os.path.isabs(member.name) or not _inside(path, target):
            raise ValueError(f"Refusing to extract archive member {member.name!r}: it would be "
                             f"written outside {path!r}.")
        if member.issym() or member.islnk():
            base = os.path.dirname(target) if member.issym() else path
            link_target = os.path.join(base, member.linkname)
            if os.path.isabs(member.linkname) or not _inside(path, link_target):
                raise ValueError(f"Refusing to extract archive member {member.name!r}: it links "
                                 f"to {member.linkname!r}, outside {path!r}.")
        elif not (member.isfile() or member.isdir()):
            raise ValueError(f"Refusing to extract archive member {member.name!r}: it is a "
                             "device or special file.")
    return members


def _check_zip_members(archive: zipfile.ZipFile, path: str) -> None:
    for name in archive.namelist():
        if os.path.isabs(name) or name.startswith(("/", "\\")) or \
                not _inside(path, os.path.join(path, name)):
            raise ValueError(f"Refusing to extract archive member {name!r}: it would be "
                             f"written outside {path!r}.")


def extract_archive(file_path: str | os.PathLike, path: str | os.PathLike = ".",
                    archive_format: str | list[str] | None = "auto") -> bool:
    """Extract a tar (gz/bz2/xz) or zip archive into `path`; True if it was one.

    Args:
        file_path: The archive.
        path: Directory to extract into.
        archive_format: 'auto' (= ['tar', 'zip']), 'tar', 'zip', a list of those, or None
            (do nothing).

    Raises:
        ValueError: for a member that would land outside `path` or is a special file.
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else (
        [archive_format] if isinstance(archive_format, str) else list(archive_format))
    file_path, path = os.fspath(file_path), os.fspath(path)
    for fmt in formats:
        if fmt == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                members = _check_tar_members(archive, path)
                if hasattr(tarfile, "data_filter"):
                    archive.extractall(path, members=members, filter="data")
                else:  # pragma: no cover - Python without extraction filters
                    archive.extractall(path, members=members)
            return True
        if fmt == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                _check_zip_members(archive, path)
                archive.extractall(path)
            return True
        if fmt not in ("tar", "zip"):
            raise ValueError(f"archive_format must be 'auto', 'tar', 'zip', a list of those or "
                             f"None. Received: {archive_format!r}")
    return False


def _cache_directory(cache_dir: str | os.PathLike | None) -> str:
    if cache_dir is None:
        cache_dir = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"),
                                                                  ".keras")
    cache_dir = os.path.expanduser(os.fspath(cache_dir))
    try:
        os.makedirs(cache_dir, exist_ok=True)
        writable = os.access(cache_dir, os.W_OK)
    except OSError:
        writable = False
    return cache_dir if writable else os.path.join(tempfile.gettempdir(), ".keras")


def _download(origin: str, fpath: str) -> None:
    """Fetch `origin` into `fpath` through a temporary file, showing a byte progress bar."""
    import urllib.error  # urllib.request pulls in http and email: load it only to download
    import urllib.request

    io_utils.print_msg(f"Downloading data from {origin}")
    try:
        with files.atomic_write(fpath) as out, urllib.request.urlopen(origin) as response:
            length = response.headers.get("Content-Length")
            bar = Progbar(int(length) if length and length.isdigit() else None)
            done = 0
            for chunk in iter(lambda: response.read(_CHUNK), b""):
                out.write(chunk)
                done += len(chunk)
                bar.update(done, finalize=False if bar.target is None else None)
            if bar.target is None or done < bar.target:
                bar.update(done, finalize=True)
    except urllib.error.HTTPError as error:
        raise Exception(f"URL fetch failure on {origin}: {error.code} -- {error.msg}") from error
    except urllib.error.URLError as error:
        raise Exception(f"URL fetch failure on {origin}: {getattr(error, 'errno', None)} -- "
                        f"{error.reason}") from error


def get_file(fname: str | os.PathLike | None = None, origin: str | None = None,
             untar: bool = False, md5_hash: str | None = None, file_hash: str | None = None,
             cache_subdir: str = "datasets", hash_algorithm: str = "auto",
             extract: bool = False, archive_format: str | list[str] | None = "auto",
             cache_dir: str | os.PathLike | None = None) -> str:
    """Downloads a file from a URL if it is not already in the cache.

    The file goes to `cache_dir/cache_subdir/fname` (default `~/.keras/datasets`, or
    `$KERAS_HOME`, or `/tmp/.keras` when the home is not writable). With a `file_hash`, a
    cached file that does not match is downloaded again, and a download that does not match
    is an error.

    Args:
        fname: Name of the file; default: the last part of the origin's path.
        origin: Original URL of the file.
        untar: Deprecated in favour of `extract`: the file is a `.tar.gz` to unpack; returns
            the unpacked directory.
        md5_hash: Deprecated in favour of `file_hash`: an md5 digest.
        file_hash: Expected sha256 or md5 hex digest of the file.
        cache_subdir: Subdirectory of the cache directory (an absolute path is used as is).
        hash_algorithm: 'md5', 'sha256' or 'auto' (chosen by the length of `file_hash`).
        extract: Unpack the file if it is an archive.
        archive_format: 'auto', 'tar', 'zip', a list of those, or None.
        cache_dir: Where to cache; default `~/.keras`.

    Returns:
        Path to the downloaded file (the unpacked directory with `untar=True`).
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir = os.path.join(_cache_directory(cache_dir), cache_subdir)
    os.makedirs(datadir, exist_ok=True)
    fname = os.fspath(fname) if fname is not None else ""
    if not fname:
        fname = os.path.basename(urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'."
                             "Please specify the `fname` as the input param.")
    if untar:
        if fname.endswith(".tar.gz"):
            fname = fname[: -len(".tar.gz")]
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
    else:
        fpath = os.path.join(datadir, fname)
    download = not os.path.exists(fpath)
    if not download and file_hash is not None and not validate_file(fpath, file_hash,
                                                                     hash_algorithm):
        io_utils.print_msg(f"A local file was found, but it seems to be incomplete or outdated "
                           f"because the {_resolve_hasher(hash_algorithm, file_hash)} file "
                           f"hash does not match the original value of {file_hash} so we will "
                           "re-download the data.")
        download = True
    if download:
        _download(origin, fpath)
        if file_hash is not None and not validate_file(fpath, file_hash, hash_algorithm):
            os.remove(fpath)
            raise ValueError(f"Incomplete or corrupted file detected. The "
                             f"{_resolve_hasher(hash_algorithm, file_hash)} file hash does not "
                             f"match the provided value of {file_hash}.")
    if untar:
        if not os.path.exists(untar_fpath):
            extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        extract_archive(fpath, datadir, archive_format)
    return fpath

