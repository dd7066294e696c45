//! The project key and everything derived from it (SPEC §6.3).
//!
//! One 256-bit secret, the [`ProjectKey`], makes every keyed mapping of a
//! project deterministic: the same key and the same input give the same
//! remapped UID, date offset, pseudonym or hash on every run, machine and
//! shard, and two different keys give unlinkable outputs. A [`Keyring`]
//! holds the per-purpose keys derived from it.
//!
//! # Key derivation
//!
//! Each purpose gets its own subkey, so knowing (or brute-forcing) one kind
//! of output says nothing about another. A subkey is
//! HKDF-Expand-SHA256 (RFC 5869 §2.3) with the project key as the PRK and
//! the ASCII label as the info string:
//!
//! | purpose | label | length |
//! |---|---|---|
//! | UID remapping | `gantry/v1/uid` | 32 bytes |
//! | date offsets | `gantry/v1/date` | 32 bytes |
//! | pseudonyms | `gantry/v1/pseudonym` | 32 bytes |
//! | keyed hashes | `gantry/v1/hash` | 32 bytes |
//! | sealing originals (AES-SIV) | `gantry/v1/seal` | 64 bytes |
//!
//! Every input is trimmed of leading and trailing spaces and NULs (DICOM
//! padding) before it enters HMAC-SHA256 under its subkey, so `"123 "` and
//! `"123"` map to the same output. The exact input encodings are given on
//! each method; known-answer tests pin the outputs, so changing any of this
//! changes every pseudonym of every project and needs a new label version.
//!
//! # Key files
//!
//! A key file holds one line of text, `gantry-key-v1 <64 lowercase hex
//! digits>\n`, and must be private to its owner (mode `0600`).
//! [`ProjectKey::write_new`] creates one and never overwrites an existing
//! file; [`ProjectKey::read_file`] refuses files that group or others may
//! access. The key itself never appears in an error, a log line or `Debug`
//! output; a [fingerprint](ProjectKey::fingerprint) names it instead.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

#[cfg(test)]
mod tests;

type HmacSha256 = Hmac<Sha256>;

/// Length of a project key in bytes (256 bits).
pub const KEY_LEN: usize = 32;

/// First word of a key file; the version says how to read the rest.
const KEY_FILE_MAGIC: &str = "gantry-key-v1";

/// Key files are one short line; anything longer is not a key file.
const KEY_FILE_MAX_LEN: u64 = 256;

/// Domain-separation label of [`ProjectKey::fingerprint`].
const FINGERPRINT_LABEL: &[u8] = b"gantry/v1/fingerprint\0";

const LABEL_UID: &[u8] = b"gantry/v1/uid";
const LABEL_DATE: &[u8] = b"gantry/v1/date";
const LABEL_PSEUDONYM: &[u8] = b"gantry/v1/pseudonym";
const LABEL_HASH: &[u8] = b"gantry/v1/hash";
const LABEL_SEAL: &[u8] = b"gantry/v1/seal";

/// The root under which NEMA registers every UID of the standard.
const DICOM_ROOT: &str = "1.2.840.10008";

/// Errors of key generation and key files.
///
/// Messages name the file and what is wrong with it, never its content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The operating system's random source failed.
    #[error("cannot draw random bytes for a new key from the operating system")]
    Random(#[source] getrandom::Error),
    /// `write_new` found a file at the path; key files are never overwritten.
    #[error(
        "key file {} already exists; key files are never overwritten: choose another path, \
         or remove the old file yourself if you are sure nothing was pseudonymised with it",
        .path.display()
    )]
    AlreadyExists {
        /// The key file's path.
        path: PathBuf,
    },
    /// No key file at the path.
    #[error(
        "key file {} does not exist; create one with `gantry key new {}`",
        .path.display(),
        .path.display()
    )]
    NotFound {
        /// The key file's path.
        path: PathBuf,
    },
    /// The path names a directory or a special file.
    #[error("key file {} is not a regular file", .path.display())]
    NotAFile {
        /// The key file's path.
        path: PathBuf,
    },
    /// Group or others may read or write the key file.
    #[error(
        "key file {} has mode {:04o}, so group or others can access it; \
         make it private with `chmod 600 {}`",
        .path.display(),
        .mode,
        .path.display()
    )]
    NotPrivate {
        /// The key file's path.
        path: PathBuf,
        /// The permission bits found (`mode & 0o7777`).
        mode: u32,
    },
    /// The file is not a Gantry key file.
    #[error("key file {} is not a valid Gantry key file: {problem}", .path.display())]
    Malformed {
        /// The key file's path.
        path: PathBuf,
        /// What is wrong with it (never the content).
        problem: MalformedKey,
    },
    /// The path has no file name component (e.g. `/` or `..`).
    #[error("{} is not a usable key file path (it has no file name)", .path.display())]
    InvalidPath {
        /// The path given.
        path: PathBuf,
    },
    /// An I/O operation on the key file failed.
    #[error("cannot {operation} key file {}", .path.display())]
    Io {
        /// What was being done: `create`, `write`, `open`, `read`, `inspect`, `link`.
        operation: &'static str,
        /// The key file's path.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
}

/// What is wrong with a malformed key file, without quoting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedKey {
    /// The file is larger than any key file.
    #[error("the file is too large to be a key file")]
    TooLarge,
    /// The first word is not `gantry-key-v1`.
    #[error("it does not start with `gantry-key-v1 `")]
    MissingHeader,
    /// A later key file version this build cannot read.
    #[error("it is a key file version this build of Gantry does not support")]
    UnsupportedVersion,
    /// The key is not 64 hexadecimal digits.
    #[error("the key is not 64 hexadecimal digits")]
    BadKey,
    /// Something follows the key line.
    #[error("unexpected content after the key line")]
    TrailingData,
}

/// Result type of this module.
pub type Result<T, E = KeyError> = std::result::Result<T, E>;

/// The project secret: 256 bits from which every keyed mapping derives.
///
/// `Debug` prints only the [fingerprint](Self::fingerprint). The bytes are
/// overwritten with zeros when the key is dropped; this is best effort
/// (without `unsafe` the compiler may keep copies made by moves, and the
/// zeroing is kept from being optimised away only by
/// [`std::hint::black_box`]).
#[derive(Clone)]
pub struct ProjectKey {
    bytes: [u8; KEY_LEN],
}

impl ProjectKey {
    /// A new random key from the operating system's secure random source.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; KEY_LEN];
        getrandom::fill(&mut bytes).map_err(KeyError::Random)?;
        Ok(Self { bytes })
    }

    /// A key from its raw bytes (e.g. a random key kept inside a session).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self { bytes }
    }

    /// The raw key, for code that must store it (a session's own random
    /// key). Never log or format what this returns.
    pub fn expose_secret(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    /// A short public name of the key: the first 16 lowercase hex digits
    /// (64 bits) of SHA-256 over the label `gantry/v1/fingerprint\0`
    /// followed by the 32 key bytes.
    ///
    /// Two files with the same fingerprint hold the same key; the
    /// fingerprint reveals nothing usable about the key itself.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(FINGERPRINT_LABEL);
        hasher.update(self.bytes);
        let digest = hasher.finalize();
        hex_lower(&digest[..8])
    }

    /// The per-purpose keys derived from this key.
    pub fn keyring(&self) -> Keyring {
        Keyring::new(self)
    }

    /// Generate a new key and write it to a new key file at `path`.
    ///
    /// The file is created with mode `0600` and never overwrites anything:
    /// the key is written to a temporary file in the same directory, synced,
    /// and hard-linked to `path`, which fails if `path` exists, so `path`
    /// appears complete or not at all. On file systems without hard links
    /// the file is created in place with `create_new` (still never
    /// overwriting; a crash can then leave a truncated file, which
    /// [`read_file`](Self::read_file) refuses).
    ///
    /// Format: one line, `gantry-key-v1 <64 lowercase hex digits>\n`.
    pub fn write_new(path: impl AsRef<Path>) -> Result<Self> {
        let key = Self::generate()?;
        key.write_to_new_file(path.as_ref())?;
        Ok(key)
    }

    /// Read a key file written by [`write_new`](Self::write_new).
    ///
    /// Refuses a file that group or others may read or write (see
    /// [`ensure_key_file_private`]), a path that is not a regular file, and
    /// content that is not exactly one key line (a final `\n` or `\r\n` is
    /// optional; hex digits may be upper or lower case).
    pub fn read_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let file = File::open(path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => KeyError::NotFound {
                path: path.to_path_buf(),
            },
            _ => io_error("open", path, source),
        })?;
        // Check the file we opened, not the path again (no race).
        let metadata = file
            .metadata()
            .map_err(|source| io_error("inspect", path, source))?;
        check_metadata(path, &metadata)?;

        let mut content = Vec::with_capacity(128);
        file.take(KEY_FILE_MAX_LEN + 1)
            .read_to_end(&mut content)
            .map_err(|source| io_error("read", path, source))?;
        let parsed = parse_key_file(&content);
        wipe(&mut content);
        parsed
            .map(Self::from_bytes)
            .map_err(|problem| KeyError::Malformed {
                path: path.to_path_buf(),
                problem,
            })
    }

    /// The key file content: `gantry-key-v1 <64 lowercase hex>\n`.
    fn file_content(&self) -> String {
        format!("{KEY_FILE_MAGIC} {}\n", hex_lower(&self.bytes))
    }

    fn write_to_new_file(&self, path: &Path) -> Result<()> {
        let Some(name) = path.file_name() else {
            return Err(KeyError::InvalidPath {
                path: path.to_path_buf(),
            });
        };
        if fs::symlink_metadata(path).is_ok() {
            return Err(KeyError::AlreadyExists {
                path: path.to_path_buf(),
            });
        }
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let mut suffix = [0u8; 8];
        getrandom::fill(&mut suffix).map_err(KeyError::Random)?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}.tmp", hex_lower(&suffix)));
        let temp = dir.join(temp_name);

        let mut content = self.file_content().into_bytes();
        let written = write_private_new(&temp, &content);
        if let Err(source) = written {
            wipe(&mut content);
            let _ = fs::remove_file(&temp);
            return Err(io_error("create", path, source));
        }

        let linked = fs::hard_link(&temp, path);
        let _ = fs::remove_file(&temp);
        let result = match linked {
            Ok(()) => Ok(()),
            Err(source) if source.kind() == io::ErrorKind::AlreadyExists => {
                Err(KeyError::AlreadyExists {
                    path: path.to_path_buf(),
                })
            }
            Err(link_error) => {
                // No hard links here (some network or FUSE file systems):
                // create in place, still refusing to overwrite.
                tracing::debug!(
                    path = %path.display(),
                    error = %link_error,
                    "hard link unavailable; creating key file in place"
                );
                write_private_new(path, &content).map_err(|source| {
                    if source.kind() == io::ErrorKind::AlreadyExists {
                        KeyError::AlreadyExists {
                            path: path.to_path_buf(),
                        }
                    } else {
                        io_error("create", path, source)
                    }
                })
            }
        };
        wipe(&mut content);
        result?;
        // Make the new directory entry durable; failing that is not fatal.
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl fmt::Debug for ProjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectKey")
            .field("fingerprint", &self.fingerprint())
            .finish()
    }
}

impl PartialEq for ProjectKey {
    /// Compares in constant time.
    fn eq(&self, other: &Self) -> bool {
        self.bytes
            .iter()
            .zip(other.bytes.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

impl Eq for ProjectKey {}

impl Drop for ProjectKey {
    fn drop(&mut self) {
        wipe(&mut self.bytes);
    }
}

/// Check that a key file is private to its owner.
///
/// Fails with [`KeyError::NotPrivate`] (which names the mode found and the
/// `chmod 600` fix) when any of the group or other permission bits
/// (`mode & 0o077`) is set, and with [`KeyError::NotAFile`] when the path
/// (after following symbolic links) is not a regular file. On non-Unix
/// platforms only the second check applies.
pub fn ensure_key_file_private(path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let metadata = fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => KeyError::NotFound {
            path: path.to_path_buf(),
        },
        _ => io_error("inspect", path, source),
    })?;
    check_metadata(path, &metadata)
}

fn check_metadata(path: &Path, metadata: &fs::Metadata) -> Result<()> {
    if !metadata.is_file() {
        return Err(KeyError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = metadata.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(KeyError::NotPrivate {
                path: path.to_path_buf(),
                mode,
            });
        }
    }
    Ok(())
}

/// Create `path` (never overwriting) readable and writable by the owner
/// only, write `content` and sync it.
fn write_private_new(path: &Path, content: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(content)?;
    file.sync_all()
}

fn parse_key_file(content: &[u8]) -> std::result::Result<[u8; KEY_LEN], MalformedKey> {
    if content.len() as u64 > KEY_FILE_MAX_LEN {
        return Err(MalformedKey::TooLarge);
    }
    let line = content
        .strip_suffix(b"\n")
        .map(|rest| rest.strip_suffix(b"\r").unwrap_or(rest))
        .unwrap_or(content);
    let Some(hex) = line.strip_prefix(format!("{KEY_FILE_MAGIC} ").as_bytes()) else {
        return Err(if line.starts_with(b"gantry-key-v") {
            MalformedKey::UnsupportedVersion
        } else {
            MalformedKey::MissingHeader
        });
    };
    if hex.len() > 2 * KEY_LEN && hex[..2 * KEY_LEN].iter().all(u8::is_ascii_hexdigit) {
        return Err(MalformedKey::TrailingData);
    }
    if hex.len() != 2 * KEY_LEN {
        return Err(MalformedKey::BadKey);
    }
    let mut bytes = [0u8; KEY_LEN];
    for (byte, pair) in bytes.iter_mut().zip(hex.chunks_exact(2)) {
        match (hex_value(pair[0]), hex_value(pair[1])) {
            (Some(high), Some(low)) => *byte = (high << 4) | low,
            _ => {
                wipe(&mut bytes);
                return Err(MalformedKey::BadKey);
            }
        }
    }
    Ok(bytes)
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

fn io_error(operation: &'static str, path: &Path, source: io::Error) -> KeyError {
    KeyError::Io {
        operation,
        path: path.to_path_buf(),
        source,
    }
}

/// Per-purpose keys derived from a [`ProjectKey`] (see the
/// [module docs](self) for the derivation), with the keyed mappings of
/// SPEC §6.3.
///
/// Every method is deterministic: the same key and input give the same
/// output. `Debug` prints only the project key's fingerprint.
#[derive(Clone)]
pub struct Keyring {
    fingerprint: String,
    uid: [u8; 32],
    date: [u8; 32],
    pseudonym: [u8; 32],
    hash: [u8; 32],
    seal: [u8; 64],
}

impl Keyring {
    /// Derive the keyring of a project key.
    pub fn new(key: &ProjectKey) -> Self {
        let mut seal = [0u8; 64];
        hkdf_expand(&key.bytes, LABEL_SEAL, &mut seal);
        Self {
            fingerprint: key.fingerprint(),
            uid: subkey(key, LABEL_UID),
            date: subkey(key, LABEL_DATE),
            pseudonym: subkey(key, LABEL_PSEUDONYM),
            hash: subkey(key, LABEL_HASH),
            seal,
        }
    }

    /// The fingerprint of the project key this keyring derives from.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The replacement of a UID: `2.25.` followed by the decimal value of
    /// the first 128 bits (big-endian) of HMAC-SHA256(uid key, trimmed UID).
    ///
    /// The result is a valid UID (at most 44 characters, digits and dots,
    /// no component with a leading zero, as PS3.5 §9.1 requires) in the
    /// UUID-derived `2.25` arc. Callers must not remap well-known UIDs; see
    /// [`is_well_known_uid`].
    pub fn remap_uid(&self, uid: &str) -> String {
        let mac = hmac(&self.uid, &[trim_value(uid).as_bytes()]);
        let mut first = [0u8; 16];
        first.copy_from_slice(&mac[..16]);
        format!("2.25.{}", u128::from_be_bytes(first))
    }

    /// The date offset of a patient, in days, uniformly distributed in
    /// `[min_days, max_days]` (inclusive; the bounds are swapped if given in
    /// the wrong order).
    ///
    /// Sign convention: the offset is *added* to dates (a negative offset
    /// moves dates into the past). The range is the caller's choice (from
    /// the configuration). Derived from the first 64 bits (big-endian) of
    /// HMAC-SHA256(date key, trimmed PatientID) reduced modulo the range
    /// size; the modulo bias is below 2⁻³¹ for any `i32` range. Pass the
    /// *original* PatientID so the offset survives its replacement; an empty
    /// ID is hashed like any other value, so callers that group ID-less
    /// files per study should pass a study-specific stand-in.
    pub fn date_offset_days(&self, patient_id: &str, min_days: i32, max_days: i32) -> i32 {
        let (low, high) = if min_days <= max_days {
            (min_days, max_days)
        } else {
            (max_days, min_days)
        };
        let mac = hmac(&self.date, &[trim_value(patient_id).as_bytes()]);
        let mut first = [0u8; 8];
        first.copy_from_slice(&mac[..8]);
        let draw = u64::from_be_bytes(first);
        let span = (i64::from(high) - i64::from(low) + 1) as u64; // 1 ..= 2^32
        let offset = i64::from(low) + (draw % span) as i64;
        // `offset` lies in [low, high], both i32.
        i32::try_from(offset).unwrap_or(low)
    }

    /// A pseudonym: `prefix` followed by `len` characters of Crockford
    /// base32 (`0-9A-Z` without `I L O U`), uppercase so the result is valid
    /// in CS, SH, LO and PN values.
    ///
    /// `purpose` separates namespaces (e.g. `"PatientID"` and
    /// `"PatientName"` give unrelated pseudonyms for the same value). The
    /// characters are the bits, most significant first, of the blocks
    /// HMAC-SHA256(pseudonym key, u32-BE block index ‖ u64-BE byte length of
    /// purpose ‖ purpose ‖ trimmed value) for block index 0, 1, …. Each
    /// character carries 5 bits, so choose `len` with collisions in mind
    /// (8 characters = 40 bits: about a 1 in 2 million chance of any
    /// collision among 1,000 patients).
    pub fn pseudonym(&self, purpose: &str, value: &str, prefix: &str, len: usize) -> String {
        const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
        let value = trim_value(value);
        let purpose_len = (purpose.len() as u64).to_be_bytes();
        let mut out = String::with_capacity(prefix.len() + len);
        out.push_str(prefix);
        let mut block_index: u32 = 0;
        let mut bits: u64 = 0;
        let mut bit_count = 0u32;
        let mut block = [0u8; 32];
        let mut used = block.len();
        for _ in 0..len {
            while bit_count < 5 {
                if used == block.len() {
                    block = hmac(
                        &self.pseudonym,
                        &[
                            &block_index.to_be_bytes(),
                            &purpose_len,
                            purpose.as_bytes(),
                            value.as_bytes(),
                        ],
                    );
                    block_index = block_index.wrapping_add(1);
                    used = 0;
                }
                bits = (bits << 8) | u64::from(block[used]);
                used += 1;
                bit_count += 8;
            }
            bit_count -= 5;
            let index = ((bits >> bit_count) & 0x1f) as usize;
            out.push(char::from(CROCKFORD[index]));
        }
        out
    }

    /// A keyed hash: uppercase hex of HMAC-SHA256(hash key, trimmed value),
    /// truncated to `max_len` characters (at most 64). Uppercase hex is
    /// valid in every string VR, CS included; pass the VR's maximum length.
    pub fn hash(&self, value: &str, max_len: usize) -> String {
        let mac = hmac(&self.hash, &[trim_value(value).as_bytes()]);
        let mut out = hex_upper(&mac);
        out.truncate(max_len);
        out
    }

    /// The same keyed hash as decimal digits, at most `max_digits` of them
    /// (1–19), without leading zeros: for the numeric string VRs (IS takes
    /// 9 digits, which always fit its 32-bit range; DS up to 16).
    pub fn hash_digits(&self, value: &str, max_digits: u32) -> String {
        let mac = hmac(&self.hash, &[trim_value(value).as_bytes()]);
        let mut first = [0u8; 8];
        first.copy_from_slice(&mac[..8]);
        let modulus = 10u64.pow(max_digits.clamp(1, 19));
        (u64::from_be_bytes(first) % modulus).to_string()
    }

    /// The 64-byte key for sealing original values with AES-SIV
    /// (SPEC §6.6), derived with its own label. Never log it.
    pub fn seal_key(&self) -> [u8; 64] {
        self.seal
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        wipe(&mut self.uid);
        wipe(&mut self.date);
        wipe(&mut self.pseudonym);
        wipe(&mut self.hash);
        wipe(&mut self.seal);
    }
}

/// Whether a UID is defined by the DICOM standard and so must never be
/// remapped: SOP classes, transfer syntaxes, coding schemes, well-known
/// SOP instances and frames of reference, application context names, and
/// everything else in the UID registry of PS3.6 Annex A.
///
/// Rules, after trimming spaces and NULs:
/// - the registry is entirely under NEMA's root `1.2.840.10008`, so that
///   root and everything below it (`1.2.840.10008.…`) is well-known (this
///   also covers UIDs added by editions newer than the bundled dictionary;
///   instance UIDs never use NEMA's root);
/// - coding scheme UIDs from outside that root that PS3.16 uses (HL7's
///   code system arcs `2.16.840.1.113883.6.…`, `2.16.840.1.113883.5.…`,
///   `2.16.840.1.113883.12.…`, NCI Thesaurus `2.16.840.1.113883.3.26.1.1`,
///   ISO 3166 `1.0.3166.1.2.2`).
///
/// Vendor-private SOP classes (e.g. under `1.2.840.113619` or
/// `1.3.12.2.1107`) are not recognised here: callers should not remap
/// attributes that name a class rather than an instance (SOP Class UID,
/// Referenced SOP Class UID, Transfer Syntax UID, …) whatever their value.
pub fn is_well_known_uid(uid: &str) -> bool {
    const EXACT: &[&str] = &[DICOM_ROOT, "2.16.840.1.113883.3.26.1.1", "1.0.3166.1.2.2"];
    const ROOTS: &[&str] = &[
        DICOM_ROOT,
        "2.16.840.1.113883.6",
        "2.16.840.1.113883.5",
        "2.16.840.1.113883.12",
    ];
    let uid = trim_value(uid);
    EXACT.contains(&uid)
        || ROOTS.iter().any(|root| {
            uid.strip_prefix(root)
                .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1)
        })
}

/// Trim DICOM padding (spaces and NULs) from both ends.
fn trim_value(value: &str) -> &str {
    value.trim_matches([' ', '\0'])
}

/// HKDF-Expand-SHA256 with `prk` and `info`, filling `out` (≤ 255 blocks).
fn hkdf_expand(prk: &[u8; 32], info: &[u8], out: &mut [u8]) {
    let mut previous: [u8; 32] = [0; 32];
    for (index, chunk) in out.chunks_mut(32).enumerate() {
        let counter = [(index + 1) as u8];
        let t_prev: &[u8] = if index == 0 { &[] } else { &previous };
        previous = hmac(prk, &[t_prev, info, &counter]);
        chunk.copy_from_slice(&previous[..chunk.len()]);
    }
    wipe(&mut previous);
}

fn subkey(key: &ProjectKey, label: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    hkdf_expand(&key.bytes, label, &mut out);
    out
}

/// HMAC-SHA256 of the concatenated `parts` under a 32-byte key.
fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC zero-pads keys shorter than the 64-byte block, so padding here
    // gives the same MAC and an infallible constructor.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    let mut mac = <HmacSha256 as KeyInit>::new(&block.into());
    wipe(&mut block);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn hex_lower(bytes: &[u8]) -> String {
    hex_with(bytes, b"0123456789abcdef")
}

fn hex_upper(bytes: &[u8]) -> String {
    hex_with(bytes, b"0123456789ABCDEF")
}

fn hex_with(bytes: &[u8], digits: &[u8; 16]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(digits[usize::from(byte >> 4)]));
        out.push(char::from(digits[usize::from(byte & 0x0f)]));
    }
    out
}

/// Overwrite secret bytes with zeros, best effort (see [`ProjectKey`]).
fn wipe(bytes: &mut [u8]) {
    bytes.fill(0);
    std::hint::black_box(bytes);
}
