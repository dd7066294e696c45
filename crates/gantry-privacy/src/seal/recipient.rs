//! Sealing for recipient certificates: standard CMS EnvelopedData
//! (RFC 5652), as PS3.15 E.1.2 asks and as GDCM's `gdcmanon -e` writes.
//!
//! # Structure
//!
//! The Encrypted Content (0400,0520) of a recipient's item is the DER
//! encoding of
//!
//! ```text
//! ContentInfo {
//!   contentType  id-envelopedData (1.2.840.113549.1.7.3)
//!   content [0]  EnvelopedData {
//!     version          0
//!     recipientInfos   { KeyTransRecipientInfo {
//!                          version 0
//!                          rid     issuerAndSerialNumber of the certificate
//!                          keyEncryptionAlgorithm rsaEncryption (PKCS#1 v1.5), NULL
//!                          encryptedKey  RSA(certificate's key, content-encryption key) } }
//!     encryptedContentInfo {
//!       contentType     id-data
//!       contentEncryptionAlgorithm aes256-CBC, IV (16 random bytes)
//!       encryptedContent [0] AES-256-CBC(PKCS#7 padding, plaintext) } } }
//! ```
//!
//! and the plaintext is the Explicit VR Little Endian encoding of a data set
//! holding only the Modified Attributes Sequence (0400,0550) with one item
//! of the originals. That is byte for byte what GDCM's
//! `Anonymizer::BasicApplicationLevelConfidentialityProfile1` encrypts with
//! OpenSSL's `CMS_encrypt` (rsaEncryption key transport, issuerAndSerialNumber,
//! AES-256-CBC by default), and what its re-identifier reads back: GDCM
//! decodes only the *first* element of the plaintext and expects it to be
//! (0400,0550), and it opens only the *first* item of the Encrypted
//! Attributes Sequence. So the plaintext starts with (0400,0550) (the
//! instance's Specific Character Set travels inside the item, where
//! dicom-rs and GDCM both honour it), and recipients' items come before the
//! project key's item.
//!
//! Each recipient gets an item of its own (its own EnvelopedData, content
//! key and IV); every instance is sealed on its own.
//!
//! # Opening
//!
//! With a certificate, the item whose recipient identifier matches it
//! (issuer and serial number, or subject key identifier) is opened; with a
//! private key alone, every RSA recipient of every item is tried. AES-128,
//! -192 and -256 and Triple-DES in CBC mode are read (GDCM's `--aes128`,
//! `--aes192`, `--des3`): PS3.15 E.1.2 asks re-identifiers to open all of
//! them. Gantry itself seals with AES-256-CBC only.
//!
//! CBC is not authenticated, and the `rsa` crate decrypts PKCS#1 v1.5 with
//! implicit rejection (a wrong key gives a pseudo-random "key", not an
//! error). A wrong or altered content is therefore recognised by its
//! effects: a content-encryption key of the wrong length, bad PKCS#7
//! padding, or a plaintext that is not a data set with one Modified
//! Attributes Sequence item. That catches any change to the last cipher
//! blocks and almost every other; a bit flipped in an earlier block of the
//! content can still decrypt to a well-formed data set with one garbled
//! value. When integrity matters, seal with the project key as well: its
//! AES-SIV item is authenticated.

use std::fmt;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, KeyIvInit};
use cms::builder::{
    ContentEncryptionAlgorithm, EnvelopedDataBuilder, KeyEncryptionInfo,
    KeyTransRecipientInfoBuilder,
};
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::ContentInfo;
use cms::enveloped_data::{EnvelopedData, RecipientIdentifier, RecipientInfo};
use der::asn1::OctetString;
use der::oid::ObjectIdentifier;
use der::{Any, Decode, Encode};
use getrandom::SysRng;
use getrandom::rand_core::UnwrapErr;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use x509_cert::Certificate;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use zeroize::Zeroize;

use super::SealError;
use crate::keys::{KeyError, ensure_key_file_private};

const ID_ENVELOPED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.3");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const AES_128_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.2");
const AES_192_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.22");
const AES_256_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.1.42");
const DES_EDE3_CBC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.3.7");

/// Certificates and private keys are small; anything larger is not one.
const PEM_MAX_LEN: u64 = 1 << 20;

/// Why a certificate or private key file cannot be used. Messages name the
/// file and the problem, never key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecipientError {
    /// The file cannot be read.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not a usable certificate.
    #[error("certificate {}: {problem}", .path.display())]
    Certificate {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// Not a usable private key.
    #[error("private key {}: {problem}", .path.display())]
    PrivateKey {
        /// The file.
        path: PathBuf,
        /// What is wrong with it (never its content).
        problem: &'static str,
    },
    /// The private key file is missing, not a file, or readable by group
    /// or others.
    #[error(transparent)]
    KeyFile(#[from] KeyError),
    /// The private key is not the certificate's.
    #[error(
        "private key {} does not belong to certificate {} (fingerprint {fingerprint}): their public keys differ",
        .key.display(),
        .certificate.display()
    )]
    Mismatch {
        /// The private key file.
        key: PathBuf,
        /// The certificate file.
        certificate: PathBuf,
        /// The certificate's fingerprint.
        fingerprint: String,
    },
}

/// A recipient of sealed originals: an X.509 certificate with an RSA key.
#[derive(Clone, Debug)]
pub struct Recipient {
    issuer_and_serial: IssuerAndSerialNumber,
    subject_key_id: Option<Vec<u8>>,
    public_key: RsaPublicKey,
    fingerprint: String,
}

impl Recipient {
    /// A recipient from a certificate, PEM (`-----BEGIN CERTIFICATE-----`)
    /// or DER.
    pub fn from_certificate(bytes: &[u8]) -> Result<Recipient, &'static str> {
        const PEM_BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
        let certificate = match bytes.windows(PEM_BEGIN.len()).position(|w| w == PEM_BEGIN) {
            Some(start) => {
                use der::DecodePem as _;
                Certificate::from_pem(&bytes[start..])
                    .map_err(|_| "not a valid PEM X.509 certificate")?
            }
            None => Certificate::from_der(bytes)
                .map_err(|_| "not an X.509 certificate (PEM -----BEGIN CERTIFICATE----- or DER)")?,
        };
        let der = certificate
            .to_der()
            .map_err(|_| "the certificate does not re-encode")?;
        let tbs = certificate.tbs_certificate();
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|_| "the certificate's public key does not encode")?;
        let public_key = RsaPublicKey::from_public_key_der(&spki).map_err(|_| {
            "its public key is not RSA: only RSA key transport is supported (as GDCM and PS3.15 E.1.2 use)"
        })?;
        let subject_key_id = tbs
            .get_extension::<SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .map(|(_, ski)| ski.0.as_bytes().to_vec());
        Ok(Recipient {
            issuer_and_serial: IssuerAndSerialNumber {
                issuer: tbs.issuer().clone(),
                serial_number: tbs.serial_number().clone(),
            },
            subject_key_id,
            public_key,
            fingerprint: hex(&Sha256::digest(&der)),
        })
    }

    /// Read a certificate file (PEM or DER).
    pub fn read_file(path: impl AsRef<Path>) -> Result<Recipient, RecipientError> {
        let path = path.as_ref();
        let bytes = read_small(path)?;
        Recipient::from_certificate(&bytes).map_err(|problem| RecipientError::Certificate {
            path: path.to_path_buf(),
            problem,
        })
    }

    /// SHA-256 of the certificate's DER encoding, 64 lowercase hex digits
    /// (what `openssl x509 -noout -fingerprint -sha256` prints, without
    /// colons): names the certificate in audit records and errors.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    fn matches(&self, rid: &RecipientIdentifier) -> bool {
        match rid {
            RecipientIdentifier::IssuerAndSerialNumber(ias) => {
                ias.serial_number.as_bytes() == self.issuer_and_serial.serial_number.as_bytes()
                    && ias.issuer.to_der().ok() == self.issuer_and_serial.issuer.to_der().ok()
            }
            RecipientIdentifier::SubjectKeyIdentifier(ski) => {
                self.subject_key_id.as_deref() == Some(ski.0.as_bytes())
            }
        }
    }
}

/// What opens CMS items: an RSA private key, with its certificate when
/// known (then only the item addressed to that certificate is opened).
pub struct RecipientKey {
    private_key: RsaPrivateKey,
    certificate: Option<Recipient>,
}

impl fmt::Debug for RecipientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecipientKey")
            .field("private_key", &"<withheld>")
            .field(
                "certificate",
                &self.certificate.as_ref().map(|c| c.fingerprint()),
            )
            .finish()
    }
}

impl RecipientKey {
    /// Read an unencrypted PEM RSA private key (PKCS#8 `PRIVATE KEY`, as
    /// `openssl genpkey`/`req` write, or PKCS#1 `RSA PRIVATE KEY`) and,
    /// optionally, the certificate it belongs to.
    ///
    /// Like project key files, the private key file must be private to its
    /// owner: one that group or others may access is refused.
    pub fn read_files(
        private_key: impl AsRef<Path>,
        certificate: Option<&Path>,
    ) -> Result<RecipientKey, RecipientError> {
        let path = private_key.as_ref();
        ensure_key_file_private(path)?;
        let mut bytes = read_small(path)?;
        let parsed = parse_private_key(&bytes);
        bytes.zeroize();
        let private_key = parsed.map_err(|problem| RecipientError::PrivateKey {
            path: path.to_path_buf(),
            problem,
        })?;
        let certificate = match certificate {
            Some(cert_path) => {
                let recipient = Recipient::read_file(cert_path)?;
                if recipient.public_key != private_key.to_public_key() {
                    return Err(RecipientError::Mismatch {
                        key: path.to_path_buf(),
                        certificate: cert_path.to_path_buf(),
                        fingerprint: recipient.fingerprint,
                    });
                }
                Some(recipient)
            }
            None => None,
        };
        Ok(RecipientKey {
            private_key,
            certificate,
        })
    }

    /// The certificate's fingerprint, when one was given.
    pub fn certificate_fingerprint(&self) -> Option<&str> {
        self.certificate.as_ref().map(Recipient::fingerprint)
    }
}

fn parse_private_key(bytes: &[u8]) -> Result<RsaPrivateKey, &'static str> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "not a PEM private key (binary content; DER keys are not read)")?;
    if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
        || text.contains("Proc-Type: 4,ENCRYPTED")
    {
        return Err(
            "the private key is encrypted with a passphrase; decrypt a copy with `openssl pkey` into a file only you can read",
        );
    }
    if let Some(start) = text.find("-----BEGIN RSA PRIVATE KEY-----") {
        return RsaPrivateKey::from_pkcs1_pem(&text[start..])
            .map_err(|_| "not a valid PKCS#1 RSA private key");
    }
    if let Some(start) = text.find("-----BEGIN PRIVATE KEY-----") {
        return RsaPrivateKey::from_pkcs8_pem(&text[start..])
            .map_err(|_| "not an RSA private key (PKCS#8 holding another algorithm, or damaged)");
    }
    Err(
        "not a PEM private key (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)",
    )
}

fn read_small(path: &Path) -> Result<Vec<u8>, RecipientError> {
    let io = |source| RecipientError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(PEM_MAX_LEN).read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// Encrypt `plaintext` for one recipient: the DER of a ContentInfo holding
/// EnvelopedData (see the module docs).
pub(crate) fn envelop(plaintext: &[u8], recipient: &Recipient) -> Result<Vec<u8>, SealError> {
    // The builder needs an infallible RNG; make sure the system's works
    // first, so a failure is an error here rather than a panic inside it.
    getrandom::fill(&mut [0u8; 16]).map_err(|_| SealError::Random)?;
    let mut rng = UnwrapErr(SysRng);
    let mut builder =
        EnvelopedDataBuilder::new(None, plaintext, ContentEncryptionAlgorithm::Aes256Cbc, None)
            .map_err(|e| SealError::Encode(format!("CMS: {e}")))?;
    builder
        .add_recipient_info(
            KeyTransRecipientInfoBuilder::new(
                RecipientIdentifier::IssuerAndSerialNumber(recipient.issuer_and_serial.clone()),
                KeyEncryptionInfo::Rsa(recipient.public_key.clone()),
            )
            .map_err(|e| SealError::Encode(format!("CMS: {e}")))?,
        )
        .map_err(|e| SealError::Encode(format!("CMS: {e}")))?;
    let enveloped = builder
        .build_with_rng(&mut rng)
        .map_err(|e| SealError::Encode(format!("CMS: {e}")))?;
    let info = ContentInfo {
        content_type: ID_ENVELOPED_DATA,
        content: Any::encode_from(&enveloped)
            .map_err(|e| SealError::Encode(format!("CMS: {e}")))?,
    };
    info.to_der()
        .map_err(|e| SealError::Encode(format!("CMS: {e}")))
}

/// What became of one CMS item.
#[derive(Debug)]
pub(crate) enum ItemOutcome {
    /// The content's plaintext.
    Opened(Vec<u8>),
    /// Not CMS EnvelopedData (e.g. a project-key item).
    NotCms,
    /// CMS, but addressed to none of our certificate (with a certificate)
    /// or no recipient's key opened with our private key (without one).
    NotForUs,
    /// The item is for us (or a key of the right size came out) but the
    /// content does not decrypt: altered, or a wrong private key.
    Undecryptable(&'static str),
    /// CMS we do not read.
    Unsupported(String),
}

/// Decrypt one Encrypted Content with `key`.
pub(crate) fn open_item(content: &[u8], key: &RecipientKey) -> ItemOutcome {
    let Some(enveloped) = parse_enveloped(content) else {
        return ItemOutcome::NotCms;
    };
    let encrypted = &enveloped.encrypted_content;
    let algorithm = encrypted.content_enc_alg.oid;
    // (key length, IV length = block size)
    let (key_len, iv_len) = match algorithm {
        AES_128_CBC => (16, 16),
        AES_192_CBC => (24, 16),
        AES_256_CBC => (32, 16),
        DES_EDE3_CBC => (24, 8),
        other => {
            return ItemOutcome::Unsupported(format!(
                "content encryption algorithm {other} is not read (only AES-128/192/256-CBC and Triple-DES CBC)"
            ));
        }
    };
    let Some(iv) = encrypted
        .content_enc_alg
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<OctetString>().ok())
        .filter(|iv| iv.as_bytes().len() == iv_len)
    else {
        return ItemOutcome::Undecryptable("the CBC parameters hold no IV of the block size");
    };
    let Some(ciphertext) = encrypted.encrypted_content.as_ref() else {
        return ItemOutcome::Unsupported("the content is detached (not in the item)".into());
    };
    let mut matched = false;
    let mut unsupported = None;
    let mut failure = None;
    for info in enveloped.recip_infos.0.iter() {
        let RecipientInfo::Ktri(ktri) = info else {
            continue;
        };
        if let Some(certificate) = &key.certificate {
            if !certificate.matches(&ktri.rid) {
                continue;
            }
            matched = true;
        }
        if ktri.key_enc_alg.oid != RSA_ENCRYPTION {
            unsupported = Some(format!(
                "key transport algorithm {} is not read (only rsaEncryption, PKCS#1 v1.5)",
                ktri.key_enc_alg.oid
            ));
            continue;
        }
        // PKCS#1 v1.5 with implicit rejection: a wrong key yields a
        // pseudo-random message, almost never of the right length.
        let Ok(mut cek) = key
            .private_key
            .decrypt(rsa::Pkcs1v15Encrypt, ktri.enc_key.as_bytes())
        else {
            if key.certificate.is_some() {
                failure = Some("the encrypted content-encryption key does not decrypt");
            }
            continue;
        };
        if cek.len() != key_len {
            cek.zeroize();
            if key.certificate.is_some() {
                failure = Some("the content-encryption key has the wrong length");
            }
            continue;
        }
        matched = true;
        let plaintext = decrypt_cbc(algorithm, &cek, iv.as_bytes(), ciphertext.as_bytes());
        cek.zeroize();
        match plaintext {
            Some(plaintext) => return ItemOutcome::Opened(plaintext),
            None => failure = Some("bad padding after AES-CBC decryption"),
        }
    }
    match (matched, failure, unsupported) {
        (true, Some(why), _) => ItemOutcome::Undecryptable(why),
        (true, None, Some(why)) => ItemOutcome::Unsupported(why),
        (true, None, None) => ItemOutcome::Undecryptable("no key opened it"),
        (false, _, _) => ItemOutcome::NotForUs,
    }
}

fn decrypt_cbc(algorithm: ObjectIdentifier, key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>> {
    fn run<C>(key: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>>
    where
        cbc::Decryptor<C>: KeyIvInit + BlockModeDecrypt,
        C: cbc::cipher::BlockCipherDecrypt,
    {
        cbc::Decryptor::<C>::new_from_slices(key, iv)
            .ok()?
            .decrypt_padded_vec::<Pkcs7>(data)
            .ok()
    }
    match algorithm {
        AES_128_CBC => run::<Aes128>(key, iv, data),
        AES_192_CBC => run::<Aes192>(key, iv, data),
        AES_256_CBC => run::<Aes256>(key, iv, data),
        DES_EDE3_CBC => run::<des::TdesEde3>(key, iv, data),
        _ => None,
    }
}

/// The EnvelopedData of a ContentInfo, DER or BER, tolerating the one zero
/// byte that pads an odd-length OB value.
fn parse_enveloped(content: &[u8]) -> Option<EnvelopedData> {
    let unpadded = match content.split_last() {
        Some((0, rest)) => Some(rest),
        _ => None,
    };
    let info = [Some(content), unpadded]
        .into_iter()
        .flatten()
        .find_map(|bytes| {
            ContentInfo::from_der(bytes)
                .or_else(|_| ContentInfo::from_ber(bytes))
                .ok()
        })?;
    if info.content_type != ID_ENVELOPED_DATA {
        return None;
    }
    info.content.decode_as::<EnvelopedData>().ok()
}

fn hex(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
