"""The tests' throwaway JWT key pair, made once per test process (per xdist worker) when first
imported: tests/conftest.py puts the public key and the private key's file into the environment
before any project module is imported; tests sign their tokens with TEST_SIGNING_KEY."""
import pathlib
import tempfile


def _keypair(directory: pathlib.Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    (directory / "jwt-private.pem").write_bytes(private)
    return key, private, public.decode()


KEYDIR = pathlib.Path(tempfile.mkdtemp(prefix="talent-test-keys-"))
# The key object signs the tests' tokens: parsing the PEM again costs ~40 ms a token.
TEST_SIGNING_KEY, TEST_PRIVATE_KEY, TEST_PUBLIC_KEY = _keypair(KEYDIR)
