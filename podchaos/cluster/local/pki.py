"""The local cluster's certificate authority and the certificates of each component.

ECDSA P-256 keys: fast to generate and accepted by every component. Files are written once and
reused, so the admin kubeconfig stays valid across ``down``/``up``.
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=3650)


@dataclass(frozen=True)
class CertRequest:
    """A certificate to issue: file stem, subject, groups and what it is for."""

    stem: str
    common_name: str
    organizations: tuple[str, ...] = ()
    server: bool = False
    client: bool = False
    ips: tuple[str, ...] = ()
    dns: tuple[str, ...] = ()


def _name(common_name: str, organizations: tuple[str, ...] = ()) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org) for org in organizations]
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"{path} does not hold an ECDSA key")
    return key


class CertificateAuthority:
    """Issues component certificates from a CA stored in a directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.cert_path = directory / "ca.crt"
        self.key_path = directory / "ca.key"

    def ensure(self) -> None:
        """Create the CA and the service-account key pair if they do not exist yet."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if not (self.cert_path.exists() and self.key_path.exists()):
            key = ec.generate_private_key(ec.SECP256R1())
            now = datetime.datetime.now(datetime.UTC)
            cert = (
                x509.CertificateBuilder()
                .subject_name(_name("podchaos-local-ca"))
                .issuer_name(_name("podchaos-local-ca"))
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + VALIDITY)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(
                    x509.KeyUsage(
                        digital_signature=True,
                        key_cert_sign=True,
                        crl_sign=True,
                        content_commitment=False,
                        key_encipherment=False,
                        data_encipherment=False,
                        key_agreement=False,
                        encipher_only=False,
                        decipher_only=False,
                    ),
                    critical=True,
                )
                .sign(key, hashes.SHA256())
            )
            _write_key(self.key_path, key)
            self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        sa_key = self.directory / "service-account.key"
        if not sa_key.exists():
            key = ec.generate_private_key(ec.SECP256R1())
            _write_key(sa_key, key)
            (self.directory / "service-account.pub").write_bytes(
                key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
            )

    def issue(self, request: CertRequest) -> tuple[Path, Path]:
        """Issue (once) the certificate; returns the certificate and key paths."""
        cert_path = self.directory / f"{request.stem}.crt"
        key_path = self.directory / f"{request.stem}.key"
        if cert_path.exists() and key_path.exists():
            return cert_path, key_path
        ca_key = _load_key(self.key_path)
        ca_cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        usages = [ExtendedKeyUsageOID.SERVER_AUTH] if request.server else []
        usages += [ExtendedKeyUsageOID.CLIENT_AUTH] if request.client else []
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(request.common_name, request.organizations))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + VALIDITY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        )
        names: list[x509.GeneralName] = [x509.DNSName(name) for name in request.dns]
        names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in request.ips]
        if names:
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        _write_key(key_path, key)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cert_path, key_path
