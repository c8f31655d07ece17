"""Trains the Rasa model when the data, config, domain or NLU code changed since the last model."""

from __future__ import annotations

import fcntl
import hashlib
import logging
from pathlib import Path

from bot.runtime.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

MODEL_PREFIX = "bilingual"
# Everything a trained model depends on: training data, domain, config, and our own NLU components.
FINGERPRINT_SOURCES = ("config.yml", "domain", "data", "bot/nlu", "bot/dialogue", "requirements.lock")


def fingerprint(config: Path = PROJECT_ROOT / "config.yml", root: Path = PROJECT_ROOT) -> str:
    """A short hash over every file a model is trained from."""
    digest = hashlib.sha256()
    sources = [config, *(root / s for s in FINGERPRINT_SOURCES[1:])]
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            files += [p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        elif source.is_file():
            files.append(source)
    for path in sorted(files):
        digest.update(str(path.relative_to(root) if path.is_relative_to(root) else path).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def model_path(
    models_dir: Path, prefix: str = MODEL_PREFIX, config: Path = PROJECT_ROOT / "config.yml"
) -> Path:
    """Where the model for the current sources lives (whether or not it exists yet)."""
    return models_dir / f"{prefix}-{fingerprint(config)}.tar.gz"


def ensure_model(
    models_dir: Path,
    *,
    config: Path = PROJECT_ROOT / "config.yml",
    prefix: str = MODEL_PREFIX,
    nlu_only: bool = False,
    force: bool = False,
) -> Path:
    """Return the model for the current sources, training it first if it does not exist."""
    target = model_path(models_dir, prefix, config)
    if target.exists() and not force:
        logger.info("Model is up to date: %s", target)
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    # Several processes (test sessions, `make run`) may ask for the same model: one trains, the rest wait.
    with (models_dir / f".{target.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists() and not force:
            return target
        _train_into(target, models_dir, config, nlu_only)
    return target


def _train_into(target: Path, models_dir: Path, config: Path, nlu_only: bool) -> None:
    """Train the model `target` names (full or NLU-only)."""
    from rasa.api import train
    from rasa.model_training import train_nlu

    name = target.name.removesuffix(".tar.gz")
    if nlu_only:
        result = train_nlu(
            config=str(config),
            nlu_data=str(PROJECT_ROOT / "data"),
            output=str(models_dir),
            fixed_model_name=name,
            domain=str(PROJECT_ROOT / "domain"),
        )
        if not result:
            raise RuntimeError("NLU training failed")
    else:
        result = train(
            domain=str(PROJECT_ROOT / "domain"),
            config=str(config),
            training_files=[str(PROJECT_ROOT / "data")],
            output=str(models_dir),
            fixed_model_name=name,
            force_training=True,
        )
        if result.code != 0 or not result.model:
            raise RuntimeError(f"training failed with code {result.code}")
