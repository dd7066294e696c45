//! Reversible pseudonymisation (SPEC §6.6): the project key (AES-SIV) and
//! recipient certificates (CMS, [`Recipient`]).
//!
//! For each instance, the original values of every top-level attribute the
//! plan changes or removes (a change inside a sequence seals the whole
//! original sequence) go into one item of Modified Attributes Sequence
//! (0400,0550); that data set, encoded in Explicit VR Little Endian, is
//! encrypted into items of Encrypted Attributes Sequence (0400,0500):
//! Encrypted Content Transfer Syntax UID (0400,0510) = 1.2.840.10008.1.2.1
//! and Encrypted Content (0400,0520) = the sealed bytes. Every instance is
//! sealed on its own; nothing is copied across a patient.
//!
//! [`seal_for`] writes one item per recipient certificate first (CMS
//! EnvelopedData, readable by GDCM's `gdcmanon -d` and `openssl cms
//! -decrypt`; GDCM opens only the first item, so the first recipient is the
//! one GDCM users should be), then, with a project key, one AES-SIV item.
//! [`open`] opens the project-key item, [`open_with_private_key`] a
//! recipient's; [`restore`] puts the originals back.
//!
//! # Project key
//!
//! Sealed bytes (Gantry's own format; the certificate path uses standard
//! CMS, see the `recipient` module):
//!
//! ```text
//! "GANTRY-SIV1"  (11 bytes, format magic)
//! fingerprint    (16 ASCII hex digits: which project key sealed it)
//! AES-256-SIV(key = the keyring's seal key, AD = [magic, new SOPInstanceUID], plaintext)
//! ```
//!
//! The plaintext is the one the CMS items encrypt: (0400,0550) alone, its
//! item led by the instance's Specific Character Set (files sealed before
//! also had the character set at the top level; they open the same way).
//! AES-SIV is deterministic and misuse-resistant:
//! the same instance sealed twice with the same key gives the same bytes
//! (so exports stay byte-identical across runs). Binding the new
//! SOPInstanceUID as associated data means a sealed item moved to another
//! instance does not open. Opening distinguishes a wrong key (the
//! fingerprint differs) from tampered content (authentication fails).
//!
//! # Speed
//!
//! Sealing is per instance, so it is on export's path for every file.
//! [`originals`] selects without copying ([`Originals`] borrows the
//! original data set); the plaintext is encoded straight from the borrowed
//! elements into the sealed content's buffer (the `encode` module, which
//! writes exactly what dicom-object's writer wrote before it), and
//! encrypted there in place by the aes-siv crate. What bounds a large seal
//! is AES-SIV's CMAC: one AES-256 block after another over the whole
//! plaintext, 14 rounds of latency per 16 bytes. (A hand-written AES-SIV
//! that prepared round keys once per chain and overlapped the MAC with the
//! encoding was ≈ 1.5× faster; it was not kept: the cryptography stays in
//! the maintained crate.)
//!
//! # Recipient certificates
//!
//! CMS items are not deterministic (a fresh content key and IV each time),
//! so an export sealed for recipients is not byte-identical across runs.
//! Opening distinguishes a certificate no item is addressed to
//! ([`SealError::NoRecipient`]), a private key that opens no recipient's
//! content key ([`SealError::WrongPrivateKey`]) and content that does not
//! decrypt to a Modified Attributes Sequence item
//! ([`SealError::CmsAltered`]); CBC is not authenticated, see the `recipient`
//! module for what that check can and cannot catch.

use aes_siv::KeyInit;
use aes_siv::siv::Aes256Siv;
use dicom_core::ops::AttributeSelectorStep;
use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_encoding::TransferSyntaxIndex;
use dicom_encoding::text::SpecificCharacterSet;
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

use crate::keys::Keyring;
use crate::plan::Plan;

mod encode;
mod implicit;
mod recipient;
#[cfg(test)]
mod tests;

pub use recipient::{Recipient, RecipientError, RecipientKey};

/// Encrypted Attributes Sequence.
pub const ENCRYPTED_ATTRIBUTES_SEQUENCE: Tag = Tag(0x0400, 0x0500);
/// Encrypted Content Transfer Syntax UID.
pub const ENCRYPTED_CONTENT_TRANSFER_SYNTAX_UID: Tag = Tag(0x0400, 0x0510);
/// Encrypted Content.
pub const ENCRYPTED_CONTENT: Tag = Tag(0x0400, 0x0520);
/// Modified Attributes Sequence.
pub const MODIFIED_ATTRIBUTES_SEQUENCE: Tag = Tag(0x0400, 0x0550);

const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
const MAGIC: &[u8; 11] = b"GANTRY-SIV1";
const FINGERPRINT_LEN: usize = 16;

/// Why sealing or opening failed. Messages name the problem, never a value
/// or key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SealError {
    /// The file has no Encrypted Attributes Sequence.
    #[error("no Encrypted Attributes Sequence (0400,0500): the file was not sealed")]
    NotSealed,
    /// The sealed content is not Gantry's AES-SIV format (e.g. CMS for a
    /// certificate recipient).
    #[error(
        "the Encrypted Content is not sealed with a Gantry project key (it may be CMS for a certificate)"
    )]
    NotProjectKey,
    /// Sealed with another project key.
    #[error("sealed with project key {sealed_with}, not with the given key {given}")]
    WrongKey {
        /// Fingerprint recorded in the file.
        sealed_with: String,
        /// Fingerprint of the key given.
        given: String,
    },
    /// The content does not authenticate: altered, or moved from another
    /// instance.
    #[error(
        "the Encrypted Content does not authenticate: it was altered or belongs to another instance"
    )]
    Tampered,
    /// The decrypted content is not a data set with a Modified Attributes
    /// Sequence item.
    #[error("the decrypted content is not a Modified Attributes Sequence item: {0}")]
    Malformed(String),
    /// Encoding the originals failed.
    #[error("cannot encode the original attributes: {0}")]
    Encode(String),
    /// The operating system's random source failed (CMS needs fresh keys).
    #[error("cannot draw random bytes from the operating system for a CMS content key")]
    Random,
    /// No item is CMS for a certificate (e.g. sealed with a project key
    /// only).
    #[error(
        "no item of the Encrypted Attributes Sequence is CMS for a certificate (was it sealed with a project key only? then use --key)"
    )]
    NotCms,
    /// CMS items exist, but none is addressed to the given certificate.
    #[error(
        "no recipient of the Encrypted Attributes matches certificate {certificate} (issuer and serial number): it was not sealed for this certificate"
    )]
    NoRecipient {
        /// SHA-256 fingerprint of the certificate given.
        certificate: String,
    },
    /// Without a certificate: the private key opens none of the recipients'
    /// content-encryption keys.
    #[error(
        "the private key opens no recipient's content-encryption key: wrong private key, or not sealed for it"
    )]
    WrongPrivateKey,
    /// The recipient's item does not decrypt to a Modified Attributes
    /// Sequence item (CBC has no authentication: this is how alteration
    /// shows).
    #[error(
        "the Encrypted Content does not decrypt to a Modified Attributes Sequence item ({0}): it was altered, or this is the wrong private key"
    )]
    CmsAltered(String),
    /// CMS that Gantry does not read (e.g. Triple-DES).
    #[error("unsupported CMS in the Encrypted Content: {0}")]
    UnsupportedCms(String),
}

/// The original top-level elements a plan changes or removes: what one
/// instance's seal holds.
///
/// A view of the original data set: nothing is copied until it is sealed
/// (the elements are encoded straight from the original). The instance's
/// Specific Character Set is always included when it has one, so the sealed
/// text is encoded in its own repertoire. `Debug` shows how many elements,
/// never a value.
#[derive(Clone)]
pub struct Originals<'a> {
    elements: Elements<'a>,
}

#[derive(Clone)]
enum Elements<'a> {
    /// The elements of `from` with these tags (sorted, without duplicates;
    /// tags `from` lacks are skipped).
    Selected {
        from: &'a InMemDicomObject,
        tags: Vec<Tag>,
    },
    /// Every element of a data set of originals.
    All(&'a InMemDicomObject),
    /// Every element of a data set of originals, owned.
    Owned(InMemDicomObject),
}

impl<'a> Originals<'a> {
    /// The elements of `original` with these tags, plus its Specific
    /// Character Set. Tags it lacks are skipped.
    pub fn of(original: &'a InMemDicomObject, tags: impl IntoIterator<Item = Tag>) -> Self {
        let mut tags: Vec<Tag> = tags
            .into_iter()
            .chain([dicom_dictionary_std::tags::SPECIFIC_CHARACTER_SET])
            .collect();
        // A plan repeats a sequence's tag for each change inside it, one
        // after the other: drop those first. Its tags come in walk order but
        // for private creators, stamps and the character set: the stable
        // sort finds those runs and merges them.
        tags.dedup();
        tags.sort_by_key(|tag| (u32::from(tag.group()) << 16) | u32::from(tag.element()));
        tags.dedup();
        Originals {
            elements: Elements::Selected {
                from: original,
                tags,
            },
        }
    }

    /// The elements, in tag order.
    pub fn iter(&self) -> impl Iterator<Item = &InMemElement> + '_ {
        match &self.elements {
            // A few tags are looked up; many are found in one walk over
            // the data set, cheaper than as many lookups.
            Elements::Selected { from, tags } if tags.len() <= FEW_TAGS => {
                Either::Few(tags.iter().filter_map(|tag| from.get(*tag)))
            }
            Elements::Selected { from, tags } => Either::Selected(Selected {
                elements: from.iter(),
                tags,
            }),
            Elements::All(obj) => Either::All(obj.iter()),
            Elements::Owned(obj) => Either::All(obj.iter()),
        }
    }

    /// Append the plaintext of these originals with the direct encoder
    /// (each way of finding the elements gets its own copy of it); `None`
    /// when it leaves them to the writer.
    fn encode(&self, out: &mut Vec<u8>) -> Option<()> {
        match &self.elements {
            Elements::Selected { from, tags } if tags.len() <= FEW_TAGS => {
                encode::modified_item(out, tags.iter().filter_map(|tag| from.get(*tag)))
            }
            Elements::Selected { from, tags } => encode::modified_item(
                out,
                Selected {
                    elements: from.iter(),
                    tags,
                },
            ),
            Elements::All(obj) => encode::modified_item(out, obj.iter()),
            Elements::Owned(obj) => encode::modified_item(out, obj.iter()),
        }
    }

    /// How many elements.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// Whether there is no element at all.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// A guess at the encoded plaintext's length, to size buffers.
    fn encoded_len_hint(&self) -> usize {
        let elements = match &self.elements {
            Elements::Selected { tags, .. } => tags.len(),
            Elements::All(obj) => obj.iter().count(),
            Elements::Owned(obj) => obj.iter().count(),
        };
        64 + 32 * elements
    }

    /// The elements as a data set of their own (a copy).
    pub fn to_object(&self) -> InMemDicomObject {
        match &self.elements {
            Elements::Owned(obj) => obj.clone(),
            Elements::All(obj) => (*obj).clone(),
            Elements::Selected { .. } => InMemDicomObject::from_element_iter(self.iter().cloned()),
        }
    }
}

impl From<InMemDicomObject> for Originals<'static> {
    /// Every element of a data set of originals.
    fn from(originals: InMemDicomObject) -> Self {
        Originals {
            elements: Elements::Owned(originals),
        }
    }
}

impl<'a> From<&'a InMemDicomObject> for Originals<'a> {
    /// Every element of a data set of originals.
    fn from(originals: &'a InMemDicomObject) -> Self {
        Originals {
            elements: Elements::All(originals),
        }
    }
}

impl std::fmt::Debug for Originals<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Originals")
            .field("elements", &self.len())
            .finish_non_exhaustive()
    }
}

/// Up to how many tags [`Originals::iter`] looks up one by one.
const FEW_TAGS: usize = 16;

/// [`Originals::iter`]: a few elements looked up, selected elements found
/// in one walk, or all of them.
enum Either<F, S, A> {
    Few(F),
    Selected(S),
    All(A),
}

impl<'e, F, S, A> Iterator for Either<F, S, A>
where
    F: Iterator<Item = &'e InMemElement>,
    S: Iterator<Item = &'e InMemElement>,
    A: Iterator<Item = &'e InMemElement>,
{
    type Item = &'e InMemElement;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Either::Few(few) => few.next(),
            Either::Selected(selected) => selected.next(),
            Either::All(all) => all.next(),
        }
    }
}

/// The elements of a data set with the given (sorted) tags, in tag order:
/// one walk over both, cheaper than looking the tags up one by one.
struct Selected<'t, I> {
    elements: I,
    tags: &'t [Tag],
}

impl<'e, I: Iterator<Item = &'e InMemElement>> Iterator for Selected<'_, I> {
    type Item = &'e InMemElement;

    fn next(&mut self) -> Option<Self::Item> {
        let mut wanted = *self.tags.first()?;
        loop {
            let element = self.elements.next()?;
            let tag = element.header().tag;
            // Skip the wanted tags the data set lacks.
            while wanted < tag {
                self.tags = &self.tags[1..];
                wanted = *self.tags.first()?;
            }
            if wanted == tag {
                self.tags = &self.tags[1..];
                return Some(element);
            }
        }
    }
}

/// The original top-level elements the plan changes or removes (a change
/// inside a sequence seals the whole original sequence), plus the
/// instance's Specific Character Set.
pub fn originals<'a>(original: &'a InMemDicomObject, plan: &Plan) -> Originals<'a> {
    Originals::of(
        original,
        plan.ops
            .iter()
            .filter_map(|p| {
                p.op.selector.iter().next().map(|step| match step {
                    AttributeSelectorStep::Tag(t)
                    | AttributeSelectorStep::Nested { tag: t, .. } => *t,
                })
            })
            .chain(plan.stamps.iter().map(|s| s.header().tag)),
    )
}

/// Seal the originals into an Encrypted Attributes Sequence element with
/// the project key (one AES-SIV item).
///
/// Derives the sealing key on every call; [`ProjectSealer`] derives it
/// once for many instances.
pub fn seal<'a>(
    originals: impl Into<Originals<'a>>,
    keys: &Keyring,
    new_sop_instance_uid: &str,
) -> Result<DataElement<InMemDicomObject>, SealError> {
    seal_for(originals, Some(keys), &[], new_sop_instance_uid)
}

/// Seal the originals into an Encrypted Attributes Sequence element: one
/// CMS item per recipient certificate, in the order given, then one AES-SIV
/// item when a project key is given.
pub fn seal_for<'a>(
    originals: impl Into<Originals<'a>>,
    keys: Option<&Keyring>,
    recipients: &[Recipient],
    new_sop_instance_uid: &str,
) -> Result<DataElement<InMemDicomObject>, SealError> {
    let sealer = keys.map(ProjectSealer::new);
    seal_with(
        &originals.into(),
        sealer.as_ref(),
        recipients,
        new_sop_instance_uid,
    )
}

/// The project key's sealing key and fingerprint, derived once from the
/// keyring (the AES-SIV key schedule is still made per seal: the aes-siv
/// cipher cannot be cloned). Sealing with it gives the same bytes as
/// [`seal`] and [`seal_for`] with the keyring it was made from. `Debug`
/// shows the key's fingerprint only.
pub struct ProjectSealer {
    key: zeroize::Zeroizing<[u8; 64]>,
    fingerprint: [u8; FINGERPRINT_LEN],
}

impl ProjectSealer {
    /// Prepare the keyring's sealing key.
    pub fn new(keys: &Keyring) -> Self {
        ProjectSealer {
            key: zeroize::Zeroizing::new(keys.seal_key()),
            fingerprint: fingerprint_bytes(keys),
        }
    }

    /// [`seal`] with this key.
    pub fn seal<'a>(
        &self,
        originals: impl Into<Originals<'a>>,
        new_sop_instance_uid: &str,
    ) -> Result<DataElement<InMemDicomObject>, SealError> {
        seal_with(&originals.into(), Some(self), &[], new_sop_instance_uid)
    }

    /// [`seal_for`] with this key: one CMS item per recipient certificate,
    /// then the project-key item.
    pub fn seal_for<'a>(
        &self,
        originals: impl Into<Originals<'a>>,
        recipients: &[Recipient],
        new_sop_instance_uid: &str,
    ) -> Result<DataElement<InMemDicomObject>, SealError> {
        seal_with(
            &originals.into(),
            Some(self),
            recipients,
            new_sop_instance_uid,
        )
    }

    /// The project-key item's Encrypted Content: magic, fingerprint, then
    /// AES-SIV (synthetic IV, ciphertext) of the plaintext `write`
    /// appends, encrypted in place.
    fn content(
        &self,
        new_sop_instance_uid: &str,
        plaintext_len_hint: usize,
        write: impl FnOnce(&mut Vec<u8>) -> Result<(), SealError>,
    ) -> Result<Vec<u8>, SealError> {
        const TAG_LEN: usize = 16;
        const HEAD: usize = MAGIC.len() + FINGERPRINT_LEN + TAG_LEN;
        // One more byte for an odd length's padding.
        let mut content = Vec::with_capacity(HEAD + plaintext_len_hint + 1);
        content.extend_from_slice(MAGIC);
        content.extend_from_slice(&self.fingerprint);
        content.extend_from_slice(&[0; TAG_LEN]);
        let sealed = write(&mut content).and_then(|()| {
            let mut cipher = Aes256Siv::new(&(*self.key).into());
            cipher
                .encrypt_inout_detached(
                    [MAGIC.as_slice(), new_sop_instance_uid.as_bytes()],
                    (&mut content[HEAD..]).into(),
                )
                .map_err(|_| SealError::Encode("AES-SIV refused the input".into()))
        });
        match sealed {
            Ok(tag) => {
                content[HEAD - TAG_LEN..HEAD].copy_from_slice(&tag);
                Ok(content)
            }
            Err(e) => {
                zeroize::Zeroize::zeroize(&mut content);
                Err(e)
            }
        }
    }
}

impl std::fmt::Debug for ProjectSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProjectSealer")
            .field("fingerprint", &String::from_utf8_lossy(&self.fingerprint))
            .finish_non_exhaustive()
    }
}

fn seal_with(
    originals: &Originals<'_>,
    sealer: Option<&ProjectSealer>,
    recipients: &[Recipient],
    new_sop_instance_uid: &str,
) -> Result<DataElement<InMemDicomObject>, SealError> {
    if sealer.is_none() && recipients.is_empty() {
        return Err(SealError::Encode(
            "nothing to seal with: no project key and no recipient".into(),
        ));
    }
    let mut items = Vec::with_capacity(recipients.len() + 1);
    if recipients.is_empty() {
        // The project key alone: the plaintext is encoded where its
        // ciphertext goes, and encrypted in place.
        if let Some(sealer) = sealer {
            let content =
                sealer.content(new_sop_instance_uid, originals.encoded_len_hint(), |out| {
                    write_plaintext(originals, out)
                })?;
            items.push(encrypted_item(content));
        }
    } else {
        // One plaintext for every item.
        let mut plaintext = Vec::with_capacity(originals.encoded_len_hint());
        let sealed = (|| {
            write_plaintext(originals, &mut plaintext)?;
            for recipient in recipients {
                items.push(encrypted_item(recipient::envelop(&plaintext, recipient)?));
            }
            if let Some(sealer) = sealer {
                let content = sealer.content(new_sop_instance_uid, plaintext.len(), |out| {
                    out.extend_from_slice(&plaintext);
                    Ok(())
                })?;
                items.push(encrypted_item(content));
            }
            Ok(())
        })();
        zeroize::Zeroize::zeroize(&mut plaintext);
        sealed?;
    }
    Ok(DataElement::new(
        ENCRYPTED_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(items),
    ))
}

/// Append the plaintext every item encrypts, as GDCM writes it: the data
/// set of the (0400,0550) element alone, in Explicit VR Little Endian. The
/// instance's Specific Character Set (if any) is the item's first element,
/// so the text after it is encoded (and decoded) in the instance's own
/// repertoire.
fn write_plaintext(originals: &Originals<'_>, out: &mut Vec<u8>) -> Result<(), SealError> {
    if originals.encode(out).is_some() {
        return Ok(());
    }
    // The direct encoder gave up (and removed what it wrote): start over.
    // What the direct encoder does not reproduce, dicom-object's writer
    // (whose output it matches) writes.
    let ts = TransferSyntaxRegistry
        .get(EXPLICIT_VR_LE)
        .ok_or_else(|| SealError::Encode("Explicit VR Little Endian is not available".into()))?;
    let dataset = InMemDicomObject::from_element_iter([DataElement::new(
        MODIFIED_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![originals.to_object()]),
    )]);
    let start = out.len();
    dataset.write_dataset_with_ts(&mut *out, ts).map_err(|e| {
        zeroize::Zeroize::zeroize(&mut out[start..]);
        out.truncate(start);
        SealError::Encode(e.to_string())
    })
}

/// One Encrypted Attributes Sequence item around sealed bytes.
fn encrypted_item(mut content: Vec<u8>) -> InMemDicomObject {
    if content.len() % 2 == 1 {
        content.push(0); // OB values have even length; stripped on opening
    }
    // Two `put`s: cheaper than collecting a map, and the same object.
    let mut item = InMemDicomObject::new_empty();
    item.put(DataElement::new(
        ENCRYPTED_CONTENT_TRANSFER_SYNTAX_UID,
        VR::UI,
        PrimitiveValue::from(EXPLICIT_VR_LE),
    ));
    item.put(DataElement::new(
        ENCRYPTED_CONTENT,
        VR::OB,
        PrimitiveValue::from(content),
    ));
    item
}

/// Open the project-key item of a sealed instance: the Modified
/// Attributes Sequence item with the originals.
pub fn open(
    deidentified: &InMemDicomObject,
    keys: &Keyring,
) -> Result<InMemDicomObject, SealError> {
    let sequence = deidentified
        .get(ENCRYPTED_ATTRIBUTES_SEQUENCE)
        .and_then(|e| e.items())
        .ok_or(SealError::NotSealed)?;
    let sop = deidentified
        .get(dicom_dictionary_std::tags::SOP_INSTANCE_UID)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .unwrap_or_default();
    let mut last = SealError::NotProjectKey;
    for item in sequence {
        let Some(content) = item.get(ENCRYPTED_CONTENT).and_then(|e| e.to_bytes().ok()) else {
            continue;
        };
        match open_content(&content, keys, &sop) {
            Ok(originals) => return Ok(originals),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn open_content(content: &[u8], keys: &Keyring, sop: &str) -> Result<InMemDicomObject, SealError> {
    let rest = content
        .strip_prefix(MAGIC.as_slice())
        .ok_or(SealError::NotProjectKey)?;
    let (fingerprint, sealed) = rest
        .split_at_checked(FINGERPRINT_LEN)
        .ok_or(SealError::Tampered)?;
    let given = fingerprint_bytes(keys);
    if fingerprint != given {
        return Err(SealError::WrongKey {
            sealed_with: String::from_utf8_lossy(fingerprint).into_owned(),
            given: String::from_utf8_lossy(&given).into_owned(),
        });
    }
    let mut cipher = cipher(keys);
    // An odd-length ciphertext was padded with one zero byte.
    let plaintext = cipher
        .decrypt([MAGIC.as_slice(), sop.as_bytes()], sealed)
        .or_else(|_| match sealed.split_last() {
            Some((0, unpadded)) => cipher.decrypt([MAGIC.as_slice(), sop.as_bytes()], unpadded),
            _ => Err(aes_siv::Error),
        })
        .map_err(|_| SealError::Tampered)?;
    modified_item(&plaintext, None).map_err(SealError::Malformed)
}

/// Open the item of a sealed instance addressed to `key`'s certificate (or,
/// without a certificate, the first one its private key opens): the
/// Modified Attributes Sequence item with the originals. Reads what GDCM's
/// `gdcmanon -e` writes too.
pub fn open_with_private_key(
    deidentified: &InMemDicomObject,
    key: &RecipientKey,
) -> Result<InMemDicomObject, SealError> {
    let sequence = deidentified
        .get(ENCRYPTED_ATTRIBUTES_SEQUENCE)
        .and_then(|e| e.items())
        .ok_or(SealError::NotSealed)?;
    // Text in a plaintext without its own Specific Character Set (GDCM
    // seals none) is in the file's.
    let charset = deidentified
        .get(dicom_dictionary_std::tags::SPECIFIC_CHARACTER_SET)
        .and_then(|e| e.to_str().ok())
        .and_then(|s| {
            let code = s.split('\\').next().unwrap_or_default().trim().to_string();
            SpecificCharacterSet::from_code(&code)
        });
    let (mut cms_seen, mut altered, mut unsupported) = (false, None, None);
    for item in sequence {
        let Some(content) = item.get(ENCRYPTED_CONTENT).and_then(|e| e.to_bytes().ok()) else {
            continue;
        };
        if content.starts_with(MAGIC) {
            continue;
        }
        match recipient::open_item(&content, key) {
            recipient::ItemOutcome::Opened(mut plaintext) => {
                cms_seen = true;
                let opened = modified_item(&plaintext, charset.clone());
                zeroize::Zeroize::zeroize(&mut plaintext);
                match opened {
                    Ok(originals) => return Ok(originals),
                    Err(why) => altered = Some(why),
                }
            }
            recipient::ItemOutcome::NotCms => {}
            recipient::ItemOutcome::NotForUs => cms_seen = true,
            recipient::ItemOutcome::Undecryptable(why) => {
                cms_seen = true;
                altered = Some(why.to_string());
            }
            recipient::ItemOutcome::Unsupported(why) => {
                cms_seen = true;
                unsupported = Some(why);
            }
        }
    }
    Err(match (altered, unsupported, cms_seen) {
        (Some(why), _, _) => SealError::CmsAltered(why),
        (None, Some(why), _) => SealError::UnsupportedCms(why),
        (None, None, true) => match key.certificate_fingerprint() {
            Some(certificate) => SealError::NoRecipient {
                certificate: certificate.to_string(),
            },
            None => SealError::WrongPrivateKey,
        },
        (None, None, false) => SealError::NotCms,
    })
}

/// The single Modified Attributes Sequence item of a decrypted Encrypted
/// Attributes data set; the error says what is wrong, never a value.
fn modified_item(
    plaintext: &[u8],
    charset: Option<SpecificCharacterSet>,
) -> Result<InMemDicomObject, String> {
    let ts = TransferSyntaxRegistry
        .get(EXPLICIT_VR_LE)
        .ok_or_else(|| "Explicit VR Little Endian is not available".to_string())?;
    let read = |bytes: &[u8], ts| {
        let source = std::io::Cursor::new(bytes);
        match charset.clone() {
            Some(cs) => InMemDicomObject::read_dataset_with_ts_cs(source, ts, cs),
            None => InMemDicomObject::read_dataset_with_ts(source, ts),
        }
    };
    // Walk it first: a damaged plaintext is refused before a parser
    // trusts its lengths. GDCM seals the elements of an implicit-VR source
    // as UN (sequences as UN of undefined length, which dicom-rs cannot
    // read): those are read as the implicit-VR data set they were.
    let shape = implicit::shape(plaintext)
        .ok_or_else(|| "not a well-formed Explicit VR Little Endian data set".to_string())?;
    let dataset = if shape.implicit() {
        let implicit_ts = TransferSyntaxRegistry
            .get(IMPLICIT_VR_LE)
            .ok_or_else(|| "Implicit VR Little Endian is not available".to_string())?;
        implicit::to_implicit(plaintext).and_then(|bytes| read(&bytes, implicit_ts).ok())
    } else {
        read(plaintext, ts).ok()
    }
    .ok_or_else(|| "not an Explicit VR Little Endian data set".to_string())?;
    match dataset
        .get(MODIFIED_ATTRIBUTES_SEQUENCE)
        .and_then(|e| e.items())
    {
        Some([item]) => Ok(item.clone()),
        Some(items) => Err(format!(
            "{} Modified Attributes Sequence items, not one",
            items.len()
        )),
        None => Err("no Modified Attributes Sequence".into()),
    }
}

/// Put the originals back into a copy of the de-identified data set:
/// every sealed element is restored as it was, the Encrypted Attributes
/// Sequence is removed, and so are the de-identification stamps the
/// original did not have.
pub fn restore(deidentified: &InMemDicomObject, originals: &InMemDicomObject) -> InMemDicomObject {
    let mut restored = deidentified.clone();
    restored.remove_element(ENCRYPTED_ATTRIBUTES_SEQUENCE);
    for stamp in [
        dicom_dictionary_std::tags::PATIENT_IDENTITY_REMOVED,
        dicom_dictionary_std::tags::DEIDENTIFICATION_METHOD,
        dicom_dictionary_std::tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
        dicom_dictionary_std::tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
    ] {
        if originals.get(stamp).is_none() {
            restored.remove_element(stamp);
        }
    }
    for element in originals.iter() {
        restored.put(element.clone());
    }
    restored
}

fn cipher(keys: &Keyring) -> Aes256Siv {
    let key = keys.seal_key();
    // The seal key is 64 bytes, exactly AES-256-SIV's key size.
    match Aes256Siv::new_from_slice(&key) {
        Ok(cipher) => cipher,
        Err(_) => unreachable!("the seal key is 64 bytes"),
    }
}

/// The first 16 characters of the key's fingerprint (hex digits), padded
/// with `0`.
fn fingerprint_bytes(keys: &Keyring) -> [u8; FINGERPRINT_LEN] {
    let mut fingerprint = [b'0'; FINGERPRINT_LEN];
    for (f, c) in fingerprint.iter_mut().zip(keys.fingerprint().bytes()) {
        *f = c;
    }
    fingerprint
}
