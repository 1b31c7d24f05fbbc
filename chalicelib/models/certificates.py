"""证书管理: certificates, the claim that makes one certificate per result, issuing jobs, the
published signing certificate, PDF fingerprints and the verify throttle.

Key format
    Certificate        PK=CERT#<number>            SK=CERT
                       GSI1PK=PERSON#<holder>#CERT  GSI1SK=<issued_at>#<number>      (我的证书)
                       GSI2PK=CERTS#<matter>#<year> GSI2SK=<issued_at>#<number>      (province list)
    CertificateClaim   PK=CERTFOR#<decl_id>        SK=CERT     number of the live certificate of a
                       result; put with attribute_not_exists in the issuing transaction, so a
                       retried or restarted batch never issues a second one; moved to the new
                       number (condition: still the old one) when a certificate is reissued
    CertificatePdf     PK=CERTPDF#<sha256>         SK=CERT     the issued PDF's fingerprint → number
    CertificateJob     PK=CERTJOB#<job_id>         SK=JOB      batch progress and its resume cursor
                       GSI1PK=CERTJOBS#<unit>      GSI1SK=<created_at>#<job_id>
    SigningCertificate PK=CERTKEY#<kms key id>     SK=X509     the X.509 certificate of the KMS key
                       (built once, put with attribute_not_exists; every container uses the same)
    VerifyCounter      PK=THROTTLE#<client hash>#<minute>  SK=COUNT   count, expires_at (TTL)

A certificate stores what it shows (name, masked ID number, grant, authority, dates), never the
full ID number.
"""
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.models.base import Entity

VALID, REVOKED, CORRECTED = "有效", "已撤销", "已更正"


class Certificate(Entity, discriminator="Certificate"):
    number = UnicodeAttribute()
    check_code = UnicodeAttribute()             # 查验码: printed on the PDF and in the QR code
    decl_id = UnicodeAttribute()
    matter_type = UnicodeAttribute()
    year = UnicodeAttribute()
    holder_id = UnicodeAttribute()              # the person's subject (我的证书)
    holder_name = UnicodeAttribute()
    id_masked = UnicodeAttribute()
    unit_name = UnicodeAttribute(null=True)
    grant = UnicodeAttribute()                  # 评审后评定级别 / 资格级别
    result = UnicodeAttribute()                 # the 评定状态 word that earned it
    title = UnicodeAttribute()
    authority = UnicodeAttribute()
    committee = UnicodeAttribute()
    issued_at = UnicodeAttribute()
    status = UnicodeAttribute(default=VALID)    # 有效 | 已撤销 | 已更正
    reason = UnicodeAttribute(null=True)        # why revoked / corrected
    changed_at = UnicodeAttribute(null=True)
    replaced_by = UnicodeAttribute(null=True)   # 已更正: the new number
    replaces = UnicodeAttribute(null=True)      # a reissue: the number it corrects
    payload = UnicodeAttribute(null=True)       # the signed QR payload
    pdf_key = UnicodeAttribute(null=True)
    pdf_sha256 = UnicodeAttribute(null=True)
    job_id = UnicodeAttribute(null=True)

    @staticmethod
    def key(number: str):
        return f"CERT#{number}", "CERT"

    @staticmethod
    def holder_key(holder_id: str) -> str:
        return f"PERSON#{holder_id}#CERT"

    @staticmethod
    def list_key(matter_type: str, year: str) -> str:
        return f"CERTS#{matter_type}#{year}"

    def place(self) -> "Certificate":
        """Set every key from the certificate's own fields."""
        self.pk, self.sk = self.key(self.number)
        self.gsi1pk, self.gsi1sk = self.holder_key(self.holder_id), f"{self.issued_at}#{self.number}"
        self.gsi2pk, self.gsi2sk = self.list_key(self.matter_type, self.year), f"{self.issued_at}#{self.number}"
        return self


class CertificateClaim(Entity, discriminator="CertificateClaim"):
    decl_id = UnicodeAttribute()
    number = UnicodeAttribute()

    @staticmethod
    def key(decl_id: str):
        return f"CERTFOR#{decl_id}", "CERT"


class CertificatePdf(Entity, discriminator="CertificatePdf"):
    number = UnicodeAttribute()

    @staticmethod
    def key(sha256: str):
        return f"CERTPDF#{sha256}", "CERT"


class CertificateJob(Entity, discriminator="CertificateJob"):
    job_id = UnicodeAttribute()
    matter_type = UnicodeAttribute()
    year = UnicodeAttribute()
    decl_ids = JSONAttribute(null=True)         # the chosen results, or None: every earning result
    replaces = UnicodeAttribute(null=True)      # a reissue: the number being corrected
    corrections = JSONAttribute(null=True)      # a reissue: holder_name / unit_name / grant
    reason = UnicodeAttribute(null=True)        # a reissue: why
    owner_id = UnicodeAttribute()
    owner_role = UnicodeAttribute()
    owner_name = UnicodeAttribute(null=True)
    unit_code = UnicodeAttribute()
    state = UnicodeAttribute()                  # queued | running | done | failed
    issued = NumberAttribute(default=0)         # certificates this job issued
    skipped = NumberAttribute(default=0)        # rows that already had one / earn none
    cursor = JSONAttribute(null=True)           # where a restarted worker goes on
    created_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)

    @staticmethod
    def key(job_id: str):
        return f"CERTJOB#{job_id}", "JOB"


class SigningCertificate(Entity, discriminator="SigningCertificate"):
    key_id = UnicodeAttribute()
    der = UnicodeAttribute()                    # base64 DER of the X.509 certificate

    @staticmethod
    def key(key_id: str):
        return f"CERTKEY#{key_id}", "X509"


class VerifyCounter(Entity, discriminator="VerifyCounter"):
    count = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)

    @staticmethod
    def key(client_hash: str, minute: int):
        return f"THROTTLE#{client_hash}#{minute}", "COUNT"
