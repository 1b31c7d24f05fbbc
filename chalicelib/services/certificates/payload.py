"""The QR code's offline payload: compact, signed by the certificate key, checkable with only the
published public key (as the EU Digital COVID Certificate's signed payload is).

    JLC1.<base64url(JSON)>.<base64url(signature)>

JSON (UTF-8, no spaces): {"v":1,"n":number,"c":check code,"h":masked holder,"g":grant,
"t":title,"a":authority,"d":"YYYY-MM-DD" (Beijing date of issue),"k":key id}. The signature is
ECDSA P-256 / SHA-256 over exactly the JSON bytes, in the IEEE P1363 form (r‖s, 64 bytes) that
WebCrypto's verify takes; KMS answers DER, converted here. The QR code holds the verify page's
address with the payload in the fragment (#…), which browsers never send to a server.
"""
import base64
import json

PREFIX = "JLC1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mask_name(name: str) -> str:
    """张* / 张*丰 / 欧阳**: the first and (from three characters) the last character kept."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name + "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def claims(cert) -> dict:
    from chalicelib import clock

    return {"v": 1, "n": cert.number, "c": cert.check_code, "h": mask_name(cert.holder_name),
            "g": cert.grant, "t": cert.title, "a": cert.authority, "d": clock.beijing_date(cert.issued_at)}


def encode(data: dict, sign, kid: str) -> str:
    """Sign `data` (with `sign(bytes) -> DER signature`) into the compact payload."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    body = json.dumps({**data, "k": kid}, ensure_ascii=False, separators=(",", ":")).encode()
    r, s = decode_dss_signature(sign(body))
    return f"{PREFIX}.{_b64(body)}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def decode(payload: str, public_key_der: bytes) -> dict | None:
    """The payload's claims if its signature holds under the public key, else None."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        prefix, body64, sig64 = payload.split(".")
        body, sig = _unb64(body64), _unb64(sig64)
        if prefix != PREFIX or len(sig) != 64:
            return None
        key = serialization.load_der_public_key(public_key_der)
        key.verify(encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
                   body, ec.ECDSA(hashes.SHA256()))
        return json.loads(body)
    except (ValueError, InvalidSignature, UnicodeDecodeError):
        return None
