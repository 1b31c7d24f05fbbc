"""PAdES signing of the certificate PDF with the KMS key (pyHanko), and validation.

The signer is a pyHanko `Signer` whose raw signature is one kms:Sign of the CMS signed attributes
(a few hundred bytes, MessageType RAW): the private key never leaves KMS. The signature is
PAdES (ETSI.CAdES.detached) over the whole file, so changing any byte of the signed range breaks
it. pyHanko is imported only here (the issuing worker and the PDF check), never at cold start.
"""
import io


def _run(make_coroutine):
    """pyHanko's sync wrappers call asyncio.run, which refuses a thread whose event loop is running
    (a host that already runs one, e.g. a test process driving a browser): run ours on its own
    thread then. Lambda has no running loop, so there it is a plain asyncio.run."""
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make_coroutine())
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()


def _signer():
    from asn1crypto import algos, x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from chalicelib.services.certificates import keys

    class KmsSigner(signers.Signer):
        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
            if dry_run:
                return bytes(72)          # the largest DER ECDSA P-256 signature
            return keys.sign(data)

    cert = x509.Certificate.load(keys.certificate_der())
    return KmsSigner(signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs([cert]),
                     signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}))


def sign(pdf: bytes, reason: str, location: str = "吉林省") -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name="CertificateSignature", reason=reason, location=location,
                                        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    # bytes_reserved: no dry-run signature to size the container (it doubled the cost)
    signer = _signer()
    out = _run(lambda: signers.async_sign_pdf(writer, meta, signer=signer, bytes_reserved=8192))
    return out.getvalue()


def validate(pdf: bytes, trust_root_der: bytes) -> dict:
    """{"signed", "intact", "trusted"} of the file's signatures under the published certificate.
    Any parsing failure is "not signed by us"; the caller bounds the size first."""
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import async_validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        sigs = reader.embedded_signatures
        if not sigs:
            return {"signed": False, "intact": False, "trusted": False}
        root = x509.Certificate.load(trust_root_der)
        ctx = ValidationContext(trust_roots=[root], allow_fetching=False, revocation_mode="soft-fail")
        status = _run(lambda: async_validate_pdf_signature(sigs[-1], ctx))
        whole = sigs[-1].coverage.name == "ENTIRE_FILE"
        return {"signed": True, "intact": bool(status.intact and status.valid and whole),
                "trusted": bool(status.trusted)}
    except Exception:  # noqa: BLE001 - a file that cannot be read is not our original
        return {"signed": False, "intact": False, "trusted": False}
