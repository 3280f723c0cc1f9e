"""Where a zoo model's weights come from, and checking them before anything reads them.

For a model identifier the weights are, first match wins:

1. what the caller names: ``weights=PATH`` (``--weights PATH`` on the CLI), or ``"random"`` /
   ``"random:SEED"`` for the untrained network initialised from that seed (default 0: a control
   condition, never mixed with trained weights in caches);
2. the environment variable :func:`env_variable` (``BRAINSCORE_MEMORABILITY_WEIGHTS_<ID>``, e.g.
   ``BRAINSCORE_MEMORABILITY_WEIGHTS_MEMNET_JOINT_RESNET50=/data/joint.safetensors``);
3. the user manifest ``<home>/weights_manifest.json``, written by :func:`add_local_weights`
   (which ``brainscore export`` calls);
4. the manifest shipped in the package (``weights_manifest.json`` beside this file): published
   files by URL and sha256, downloaded on first use into ``<home>/weights/``;
5. the model's built-in weights, where it has any (torchvision's ImageNet weights; ResMem's wheel).

``<home>`` is ``$BRAINSCORE_MEMORABILITY_HOME``, else ``$XDG_CACHE_HOME/brainscore_memorability``,
else ``~/.cache/brainscore_memorability``. Nothing is unpickled: files are safetensors, or
PyTorch files read with ``torch.load(weights_only=True)``. A file whose sha256 differs from its
manifest entry or from its ``<file>.sha256`` sidecar is refused. Each set of weights gets a
:attr:`Weights.tag` (short sha256, ``random-seed0``, or the built-in weights' name) that becomes
part of the Brain-Score model identifier, so activation caches never mix two sets of weights.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from brainscore_memorability.atomic import write_text
from brainscore_memorability.errors import MemorabilityError, UnknownIdentifierError
from brainscore_memorability.hashing import file_digest
from brainscore_memorability.models import identifiers

HOME_ENV = "BRAINSCORE_MEMORABILITY_HOME"
ENV_PREFIX = "BRAINSCORE_MEMORABILITY_WEIGHTS_"
RANDOM = "random"
RANDOM_SEED = 0
SHIPPED_MANIFEST = Path(__file__).with_name("weights_manifest.json")
MANIFEST_NAME = "weights_manifest.json"
SAFE_SUFFIXES = (".safetensors", ".pt", ".pth", ".bin")


class WeightsError(MemorabilityError):
    """Weights that are missing, unreadable or do not fit the model; the message says what to do."""


class ChecksumError(WeightsError):
    """A weights file whose sha256 is not the one recorded for it (tampered or truncated)."""


@dataclass(frozen=True)
class Weights:
    """The resolved weights of one model.

    ``kind`` is ``"file"`` (``path`` holds them, ``sha256`` verified), ``"random"`` (untrained,
    initialised from ``seed``) or ``"builtin"`` (``builtin`` names them, e.g. ``torchvision-IMAGENET1K_V1``).
    ``origin`` says where they were found, for messages.
    """
    identifier: str
    kind: str
    origin: str
    path: Path | None = None
    sha256: str | None = None
    builtin: str | None = None
    entry: dict = field(default_factory=dict, compare=False)
    seed: int = RANDOM_SEED  # kind "random" only

    @property
    def tag(self) -> str:
        if self.kind == "file":
            return f"sha256-{self.sha256[:12]}"
        if self.kind == RANDOM:
            return f"random-seed{self.seed}"
        return self.builtin

    @property
    def model_identifier(self) -> str:
        """The identifier Brain-Score and its activation cache see: ``<identifier>@<tag>``."""
        return f"{self.identifier}@{self.tag}"


def home() -> Path:
    """The folder holding the user manifest and downloaded weights (see module docstring)."""
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache).expanduser() / "brainscore_memorability"


def user_manifest_path() -> Path:
    return home() / MANIFEST_NAME


def random_seed(weights) -> int | None:
    """The seed of a ``"random"`` / ``"random:SEED"`` weights value, or None for anything else."""
    text = str(weights)
    if text == RANDOM:
        return RANDOM_SEED
    if not text.startswith(RANDOM + ":"):
        return None
    try:
        return int(text[len(RANDOM) + 1:])
    except ValueError:
        raise WeightsError(f"weights '{text}': give 'random' or 'random:SEED' with an integer SEED, "
                           f"e.g. random:1") from None


def env_variable(identifier: str) -> str:
    """The environment variable that points ``identifier`` at a weights file."""
    return ENV_PREFIX + re.sub(r"[^A-Z0-9]", "_", identifiers.canonical(identifier).upper())


def sha256_of(path: str | Path) -> str:
    """Hex sha256 of the file at ``path``."""
    return file_digest(path, "sha256")


def read_manifest(path: str | Path) -> dict[str, dict]:
    """``{identifier: entry}`` of a manifest file; ``{}`` if it does not exist.

    An entry holds ``sha256`` and ``path`` (absolute, or relative to the manifest's folder) and/or
    ``url``; optionally ``arch``, ``objective`` and ``note``.
    """
    path = Path(path)
    if not path.exists():
        return {}
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        entries = content["weights"]
        if not isinstance(entries, dict):
            raise TypeError("'weights' is not an object")
    except (ValueError, KeyError, TypeError) as error:
        raise WeightsError(f"weights manifest {path} is malformed ({error}): it must be JSON "
                           f'{{"weights": {{identifier: {{"sha256": ..., "path" or "url": ...}}}}}}; '
                           f"fix or delete it") from None
    return entries


def add_local_weights(identifier: str, path: str | Path, manifest: str | Path | None = None) -> dict:
    """Record the weights file ``path`` as the weights of ``identifier`` in the user manifest.

    From then on ``brainscore score --model <identifier>`` (and ``load_model``) use this file.
    ``identifier`` may be an alias (``memnet-joint``); it is stored in canonical form
    (``memnet-joint-resnet50``). The file's sha256 is computed now and checked on every later
    load, so a file changed afterwards is refused. A ``<path>.sha256`` sidecar, if present, must
    agree. ``manifest`` defaults to :func:`user_manifest_path`; the manifest is rewritten
    atomically under a lock, and other entries are kept. Returns the new entry
    ``{"path": absolute path, "sha256": hex, "arch": ..., "objective": ...}``.

    This is what ``brainscore export CHECKPOINT --id memnet-joint-resnet50`` calls.
    """
    name = identifiers.canonical(identifier)
    objective, arch = identifiers.parse(name)
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise WeightsError(f"weights file {path} for '{name}' does not exist")
    digest = _verified_sha256(path, expected=None)
    entry = {"path": str(path), "sha256": digest, "arch": arch, "objective": objective}
    manifest = Path(manifest) if manifest else user_manifest_path()
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(manifest.with_name(manifest.name + ".lock"), "w") as lock:  # concurrent exports keep all entries
        fcntl.flock(lock, fcntl.LOCK_EX)
        entries = read_manifest(manifest)
        entries[name] = entry
        write_text(manifest, json.dumps({"weights": dict(sorted(entries.items()))}, indent=2) + "\n")
    return entry


def use_weights(identifier: str, weights: str | Path) -> None:
    """Make this process load ``identifier`` with ``weights`` (a path, ``"random"`` or
    ``"random:SEED"``), also when it
    is loaded through ``brainscore_vision.load_model``: sets :func:`env_variable`. The file is
    checked now, so a bad path fails before any scoring starts."""
    name = identifiers.canonical(identifier)
    if name != identifiers.RESMEM:
        try:
            identifiers.parse(name)
        except UnknownIdentifierError:
            from brainscore_memorability import registry
            registry.resolve("model", identifier)  # known nowhere: exit 2 with the closest identifiers
            raise WeightsError(f"weights can only be chosen for this package's models (memnet-*, resmem), "
                               f"not '{identifier}'") from None
    value = str(weights) if random_seed(weights) is not None else str(Path(weights).expanduser().resolve())
    resolve(name, value)
    os.environ[env_variable(name)] = value


def resolve(identifier: str, weights: str | Path | None = None, builtin: str | None = None) -> Weights:
    """The :class:`Weights` of ``identifier`` (see module docstring for the order of sources).

    ``weights``: a file path, ``"random"`` / ``"random:SEED"``, or None to look further. ``builtin``: the name of the
    model's built-in weights (used when nothing else is configured), or None if it has none.
    Files are located (downloaded if need be) and their sha256 verified here.
    """
    name = identifiers.canonical(identifier)
    if weights is not None and random_seed(weights) is not None:
        return Weights(name, RANDOM, f"weights='{weights}'", seed=random_seed(weights))
    if weights is not None:
        return _file_weights(name, Path(weights), None, "the weights argument", {})
    if os.environ.get(env_variable(name)):
        variable = env_variable(name)
        value = os.environ[variable]
        if random_seed(value) is not None:
            return Weights(name, RANDOM, f"${variable}", seed=random_seed(value))
        return _file_weights(name, Path(value), None, f"${variable}", {})
    for manifest in (user_manifest_path(), SHIPPED_MANIFEST):
        entry = read_manifest(manifest).get(name)
        if entry is not None:
            return _manifest_weights(name, entry, manifest)
    if builtin is not None:
        return Weights(name, "builtin", "built-in", builtin=builtin)
    raise WeightsError(_missing_message(name))


def load_state_dict(weights: Weights) -> tuple[dict, dict[str, str]]:
    """``(state_dict, metadata)`` of file weights, read without unpickling anything.

    ``.safetensors`` files give their metadata (``arch``, ``objective``, ``lamem_centre``,
    ``image_size`` ... as written by ``training``); ``.pt``/``.pth``/``.bin`` files are read with
    ``torch.load(weights_only=True)`` and may hold the state dict itself or under ``network``,
    ``state_dict`` or ``model``; their metadata is empty.
    """
    path = weights.path
    try:
        data = path.read_bytes()  # read once: what is hashed is what is loaded
    except OSError as error:
        raise WeightsError(f"weights file {path} for '{weights.identifier}' cannot be read ({error})") from None
    digest = hashlib.sha256(data).hexdigest()
    if weights.sha256 is not None and digest != weights.sha256:
        raise ChecksumError(f"weights file {path} changed after its sha256 was checked (now {digest}, checked "
                            f"{weights.sha256}): it is refused. Is another process writing it? Load it again "
                            f"once it is complete.")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load
            return load(data), safetensors_metadata(data)
        import io

        import torch
        content = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 (any reader failure means the same to the user)
        raise WeightsError(f"weights file {path} for '{weights.identifier}' cannot be read safely "
                           f"({type(error).__name__}: {error}); export it with "
                           f"`brainscore export CHECKPOINT --id {weights.identifier}`") from None
    for key in ("network", "state_dict", "model"):
        if isinstance(content, dict) and isinstance(content.get(key), dict):
            content = content[key]
            break
    if not isinstance(content, dict):
        raise WeightsError(f"weights file {path} holds a {type(content).__name__}, not a state dict")
    return content, {}


def safetensors_bytes(tensors: dict, metadata: dict[str, str]) -> bytes:
    """A safetensors file's bytes with a fixed layout: header keys sorted (metadata first), tensors
    in name order, header padded with spaces to 8 bytes, so identical weights give identical bytes
    (the safetensors library writes its metadata in hash-map order, which varies between runs)."""
    import torch
    dtypes = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
              torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
              torch.uint8: "U8", torch.bool: "BOOL"}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in sorted(metadata.items())}
    for name in sorted(tensors):
        tensor = tensors[name].detach().to("cpu").contiguous()
        blob = tensor.reshape(-1).view(torch.uint8).numpy().tobytes()
        header[name] = {"dtype": dtypes[tensor.dtype], "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def safetensors_metadata(data: bytes) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors file's bytes ({} if none)."""
    (length,) = struct.unpack("<Q", data[:8])
    return dict(json.loads(data[8:8 + length]).get("__metadata__") or {})


def _file_weights(name: str, path: Path, expected: str | None, origin: str, entry: dict) -> Weights:
    path = path.expanduser()
    if not path.is_file():
        raise WeightsError(f"weights file {path} for '{name}' (from {origin}) does not exist. "
                           + _how_to_get(name))
    if path.suffix not in SAFE_SUFFIXES:
        raise WeightsError(f"weights file {path} for '{name}' must end in one of {SAFE_SUFFIXES} "
                           f"(safetensors preferred)")
    return Weights(name, "file", origin, path.resolve(), _verified_sha256(path, expected), entry=entry)


def _manifest_weights(name: str, entry: dict, manifest: Path) -> Weights:
    origin = f"manifest {manifest}"
    if "sha256" not in entry or not ("path" in entry or "url" in entry):
        raise WeightsError(f"entry '{name}' of {origin} needs 'sha256' and 'path' or 'url'")
    if "path" in entry:
        path = Path(entry["path"]).expanduser()
        path = path if path.is_absolute() else manifest.parent / path
        if path.is_file() or "url" not in entry:
            return _file_weights(name, path, entry["sha256"], origin, entry)
    return _file_weights(name, _downloaded(name, entry["url"], _download_name(name, entry, origin)),
                         entry["sha256"], origin, entry)


def published(identifier: str, url: str, sha256: str, file: str | None = None) -> Weights:
    """The weights published at ``url`` with ``sha256`` (what a submitted leaderboard plugin names):
    downloaded once into ``<home>/weights/<file>`` (default: the URL's last part), sha256-checked."""
    name = identifiers.canonical(identifier)
    entry = {"url": url, "sha256": sha256, **({"file": file} if file else {})}
    origin = f"url {url}"
    return _file_weights(name, _downloaded(name, url, _download_name(name, entry, origin)), sha256, origin, entry)


def _downloaded(name: str, url: str, file: str) -> Path:
    """``<home>/weights/<file>``, downloaded from ``url`` unless already there."""
    path = home() / "weights" / file
    if not path.is_file():
        _download(name, url, path)
    return path


def _download_name(name: str, entry: dict, origin: str) -> str:
    """The file name a download is kept under in ``<home>/weights/``: the entry's ``file``, else the
    URL's last path part; a plain name only, so that no manifest can write outside that folder."""
    import urllib.parse
    file = entry.get("file") or Path(urllib.parse.unquote(urllib.parse.urlparse(str(entry["url"])).path)).name
    if not isinstance(file, str) or file in ("", ".", "..") or Path(file).name != file or "\\" in file:
        raise WeightsError(f"weights '{name}' of {origin}: file name {file!r} must be a plain file name "
                           f"(no folders, no '..'): downloads stay in {home() / 'weights'}")
    return file


def _download(name: str, url: str, path: Path) -> None:
    """Fetch ``url`` to ``path`` with torch.hub (temporary file, then rename; progress bar)."""
    from torch.hub import download_url_to_file
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        download_url_to_file(url, str(path), progress=True)
    except OSError as error:
        raise WeightsError(f"could not download the weights of '{name}' from {url} ({error}). "
                           + _how_to_get(name)) from None


def _verified_sha256(path: Path, expected: str | None) -> str:
    """sha256 of ``path``, checked against ``expected`` and the ``<path>.sha256`` sidecar."""
    digest = sha256_of(path)
    sidecar = path.with_name(path.name + ".sha256")
    recorded = {"manifest": expected}
    if sidecar.is_file():
        text = sidecar.read_text(encoding="utf-8").split()
        recorded["sidecar " + str(sidecar)] = text[0] if text else ""
    for where, value in recorded.items():
        if value is not None and value.lower() != digest:
            raise ChecksumError(
                f"weights file {path} has sha256 {digest}, but its {where} records {value}: the file "
                f"was changed or truncated and is refused. Re-export it (`brainscore export`), "
                f"re-download it (delete the file), or register the new file with add_local_weights.")
    return digest


def _how_to_get(name: str) -> str:
    return (f"Train and export them ({train_command(name)}, then `brainscore export RUN_DIR --id {name}`), "
            f"point at a file with `--weights PATH`, ${env_variable(name)} or load_model('{name}', weights=PATH), "
            f"or use `--weights random` (or random:SEED) for the untrained control network.")


def train_command(name: str) -> str:
    """The ``brainscore train`` command line that trains ``name`` (a shipped config where one exists)."""
    try:
        objective, arch = identifiers.parse(name)
    except UnknownIdentifierError:
        return "`brainscore train --help`"
    from brainscore_memorability_training.config import CONFIG_DIR
    config = f"{objective}-{arch}"
    recipe = f"--config {config}" if (CONFIG_DIR / f"{config}.yaml").is_file() else f"--arch {arch} --objective {objective}"
    roots = {"lamem": " --lamem-root LAMEM", "imagenet": " --imagenet-root IMAGENET",
             "joint": " --lamem-root LAMEM --imagenet-root IMAGENET"}[objective]
    return f"`brainscore train {recipe}{roots} --out-dir RUN_DIR`"


def _missing_message(name: str) -> str:
    return f"no weights are known for '{name}' (no manifest entry, no built-in weights). " + _how_to_get(name)
