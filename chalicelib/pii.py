"""The keyed hash of ID numbers (a uniqueness and search key that does not reveal the number) and
its key. Locally a fixed development key (config); deployed, an SSM SecureString read lazily, once
per container, never defaulted. Above config and aws, so that config imports nothing of ours."""
import functools
import hashlib
import hmac

from chalicelib import aws, config


def _read(parameter: str) -> bytes:
    value = aws.ssm().get_parameter(Name=parameter, WithDecryption=True)["Parameter"]["Value"]
    if len(value) < 32:
        raise config.ConfigurationError(f"PII hash key {parameter} is shorter than 32 characters")
    return value.encode()


@functools.lru_cache(maxsize=None)
def hash_key() -> bytes:
    """The ID-number hash key: read once per container, on first use, never defaulted outside
    `local`. A failed read is not cached (the next call tries again)."""
    if config.is_local() and not config.PII_HASH_KEY_PARAMETER:
        return config.LOCAL_PII_HASH_KEY.encode()
    if not config.PII_HASH_KEY_PARAMETER:
        raise config.ConfigurationError(f"stage {config.STAGE!r} has no PII hash key (PII_HASH_KEY_PARAMETER unset)")
    return _read(config.PII_HASH_KEY_PARAMETER)


@functools.lru_cache(maxsize=None)
def previous_hash_key() -> bytes | None:
    """The key being rotated away from (only while PII_HASH_KEY_PREVIOUS_PARAMETER is set)."""
    return _read(config.PII_HASH_KEY_PREVIOUS_PARAMETER) if config.PII_HASH_KEY_PREVIOUS_PARAMETER else None


def id_number_digest(id_type: str, id_number: str) -> str:
    """Keyed hash: the uniqueness key must not reveal the ID number. What is written uses this."""
    return hmac.new(hash_key(), f"{id_type}|{id_number}".encode(), hashlib.sha256).hexdigest()


def id_number_digests(id_type: str, id_number: str) -> list:
    """What a lookup tries: the current key's digest, then (during a rotation) the previous key's,
    so an item not yet re-keyed, or written by a container still on the old key, is found."""
    digests = [id_number_digest(id_type, id_number)]
    previous = previous_hash_key()
    if previous and previous != hash_key():
        digests.append(hmac.new(previous, f"{id_type}|{id_number}".encode(), hashlib.sha256).hexdigest())
    return digests
