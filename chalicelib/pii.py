"""The keyed hash of ID numbers (a uniqueness and search key that does not reveal the number) and
its key. Locally a fixed development key (config); deployed, an SSM SecureString read lazily, once
per container, never defaulted. Above config and aws, so that config imports nothing of ours."""
import functools
import hashlib
import hmac

from chalicelib import aws, config


@functools.lru_cache(maxsize=None)
def hash_key() -> bytes:
    """The ID-number hash key: read once per container, on first use, never defaulted outside
    `local`. A failed read is not cached (the next call tries again)."""
    if config.is_local() and not config.PII_HASH_KEY_PARAMETER:
        return config.LOCAL_PII_HASH_KEY.encode()
    if not config.PII_HASH_KEY_PARAMETER:
        raise config.ConfigurationError(f"stage {config.STAGE!r} has no PII hash key (PII_HASH_KEY_PARAMETER unset)")
    value = aws.ssm().get_parameter(Name=config.PII_HASH_KEY_PARAMETER, WithDecryption=True)["Parameter"]["Value"]
    if len(value) < 32:
        raise config.ConfigurationError(f"PII hash key {config.PII_HASH_KEY_PARAMETER} is shorter than 32 characters")
    return value.encode()


def id_number_digest(id_type: str, id_number: str) -> str:
    """Keyed hash: the uniqueness key must not reveal the ID number."""
    return hmac.new(hash_key(), f"{id_type}|{id_number}".encode(), hashlib.sha256).hexdigest()
