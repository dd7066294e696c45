//! Writing one de-identified instance: atomically, splicing pixels.
//!
//! The file is assembled as: preamble, `DICM`, a new file meta group, the
//! de-identified data set up to Pixel Data (encoded by dicom-object), the
//! Pixel Data element header, the Pixel Data value copied byte for byte
//! from the source in 1 MiB pieces (or from the sidecar), and the
//! de-identified elements that follow Pixel Data, if any. Pixels are never
//! decoded here (SPEC §9 "splice"), and memory does not grow with their
//! size. Everything is hashed as it is written ([`Checksum`]: BLAKE3 by
//! default, SHA-256 on request).
//!
//! The output goes to a temporary name beside its destination
//! (`.<name>.gantry-tmp`) and is renamed into place once complete, so a
//! reader — or a resumed export after a crash — never sees a partial file.
//!
//! Transfer syntax: the source's own, so the pixel bytes stay valid as
//! they are; a deflated source is written as Explicit VR Little Endian
//! (its pixel bytes are those of that syntax), rather than re-deflating
//! the whole data set.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use dicom_core::header::{DataElementHeader, Length};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use gantry_model::{PixelDataRef, PixelLocation};
use gantry_store::Sidecar;
use sha2::Digest as _;

use super::Checksum;

/// UID identifying files written by Gantry (a `2.25.` UUID-derived UID).
pub(crate) const IMPLEMENTATION_CLASS_UID: &str = "2.25.148972034877125012271618392127262474091";
/// Implementation version name in the file meta group.
pub(crate) const IMPLEMENTATION_VERSION_NAME: &str = concat!("GANTRY_", env!("CARGO_PKG_VERSION"));

const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
const DEFLATED: &str = "1.2.840.10008.1.2.1.99";

/// What was written.
#[derive(Debug)]
pub(crate) struct Written {
    pub(crate) size: u64,
    /// `algorithm:hex`, as in the manifest.
    pub(crate) checksum: String,
}

/// Why a file could not be written (names locations, never values).
#[derive(Debug, thiserror::Error)]
pub(crate) enum WriteError {
    #[error("cannot encode the de-identified header: {0}")]
    Encode(String),
    #[error("transfer syntax {0} is not known to this build")]
    UnknownTransferSyntax(String),
    #[error("source pixel data unreadable: {0}")]
    Pixels(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A running checksum of one of the [`Checksum`] algorithms.
enum Hasher {
    // Boxed: BLAKE3's state is ~2 KB, SHA-256's ~100 bytes.
    Blake3(Box<blake3::Hasher>),
    Sha256(sha2::Sha256),
}

impl Hasher {
    fn new(checksum: Checksum) -> Self {
        match checksum {
            Checksum::Blake3 => Hasher::Blake3(Box::default()),
            Checksum::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Blake3(hasher) => {
                hasher.update(bytes);
            }
            Hasher::Sha256(hasher) => hasher.update(bytes),
        }
    }

    /// `blake3:<hex>` or `sha256:<hex>`.
    fn finish(self) -> String {
        match self {
            Hasher::Blake3(hasher) => format!("blake3:{}", hasher.finalize().to_hex()),
            Hasher::Sha256(hasher) => format!("sha256:{}", gantry_store::hex(&hasher.finalize())),
        }
    }
}

/// A writer that hashes and counts what it writes.
struct Hashing<W> {
    inner: W,
    hasher: Hasher,
    size: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The pixels of an output file.
pub(crate) enum PixelOutput<'a> {
    /// The instance has no Pixel Data.
    None,
    /// The source's value, copied byte for byte.
    Splice {
        pixels: &'a PixelDataRef,
        source_path: &'a Path,
        sidecar: Option<&'a Sidecar>,
    },
    /// A value encoded by Gantry (transcoded or redacted).
    Encoded(&'a gantry_codec::Encoded),
}

/// Write `header` (de-identified, without Pixel Data) with `pixels` to
/// `dest` in `transfer_syntax`, atomically. A Deflated transfer syntax
/// deflates everything after the file meta group (PS3.5 A.5).
pub(crate) fn write_instance(
    dest: &Path,
    header: &InMemDicomObject,
    transfer_syntax: &str,
    pixels: PixelOutput<'_>,
    checksum: Checksum,
) -> Result<Written, WriteError> {
    let deflate = transfer_syntax == DEFLATED;
    let ts_uid = if deflate {
        EXPLICIT_VR_LE
    } else {
        transfer_syntax
    };
    let ts = TransferSyntaxRegistry
        .get(ts_uid)
        .ok_or_else(|| WriteError::UnknownTransferSyntax(ts_uid.to_string()))?;
    let text = |tag: Tag| {
        header
            .get(tag)
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
            .unwrap_or_default()
    };
    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(text(tags::SOP_CLASS_UID))
        .media_storage_sop_instance_uid(text(tags::SOP_INSTANCE_UID))
        .transfer_syntax(transfer_syntax)
        .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(IMPLEMENTATION_VERSION_NAME)
        .build()
        .map_err(|e| WriteError::Encode(e.to_string()))?;

    // Elements before and after Pixel Data.
    let (before, after): (Vec<_>, Vec<_>) = header
        .iter()
        .filter(|e| e.header().tag != tags::PIXEL_DATA)
        .cloned()
        .partition(|e| e.header().tag < tags::PIXEL_DATA);
    let before = InMemDicomObject::from_element_iter(before);
    let after = InMemDicomObject::from_element_iter(after);

    let mut head = Vec::with_capacity(1024);
    head.extend_from_slice(&[0u8; 128]);
    head.extend_from_slice(b"DICM");
    meta.write(&mut head)
        .map_err(|e| WriteError::Encode(e.to_string()))?;
    let mut body = Vec::with_capacity(16 * 1024);
    before
        .write_dataset_with_ts(&mut body, ts)
        .map_err(|e| WriteError::Encode(e.to_string()))?;

    let dir = dest.parent().unwrap_or(Path::new("."));
    fs_err::create_dir_all(dir).map_err(|e| WriteError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.gantry-tmp"));
    let file = std::fs::File::create(&temp).map_err(io(&temp))?;
    let mut out = Hashing {
        inner: std::io::BufWriter::with_capacity(256 * 1024, file),
        hasher: Hasher::new(checksum),
        size: 0,
    };
    let result = (|| -> Result<(), WriteError> {
        out.write_all(&head).map_err(io(&temp))?;
        if deflate {
            let mut deflater =
                flate2::write::DeflateEncoder::new(&mut out, flate2::Compression::default());
            write_body(&mut deflater, &body, pixels, &after, ts, &temp)?;
            deflater.finish().map_err(io(&temp))?;
        } else {
            write_body(&mut out, &body, pixels, &after, ts, &temp)?;
        }
        out.flush().map_err(io(&temp))
    })();
    if let Err(error) = result {
        let _ = std::fs::remove_file(&temp);
        return Err(error);
    }
    let Hashing { hasher, size, .. } = out;
    std::fs::rename(&temp, dest).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        WriteError::Io {
            path: dest.to_path_buf(),
            source: e,
        }
    })?;
    Ok(Written {
        size,
        checksum: hasher.finish(),
    })
}

/// The data set after the file meta group: the elements before Pixel
/// Data (already encoded), Pixel Data, the elements after it.
fn write_body(
    sink: &mut dyn Write,
    before: &[u8],
    pixels: PixelOutput<'_>,
    after: &InMemDicomObject,
    ts: &dicom_encoding::TransferSyntax,
    temp: &Path,
) -> Result<(), WriteError> {
    sink.write_all(before).map_err(io(temp))?;
    match pixels {
        PixelOutput::None => {}
        PixelOutput::Splice {
            pixels,
            source_path,
            sidecar,
        } => write_pixels(sink, pixels, ts, source_path, sidecar, temp)?,
        PixelOutput::Encoded(encoded) => write_encoded(sink, encoded, ts, temp)?,
    }
    if after.iter().next().is_some() {
        let mut tail = Vec::new();
        after
            .write_dataset_with_ts(&mut tail, ts)
            .map_err(|e| WriteError::Encode(e.to_string()))?;
        sink.write_all(&tail).map_err(io(temp))?;
    }
    Ok(())
}

/// Write an element header and `encoded`'s value.
fn write_encoded(
    out: &mut dyn Write,
    encoded: &gantry_codec::Encoded,
    ts: &dicom_encoding::TransferSyntax,
    temp: &Path,
) -> Result<(), WriteError> {
    let native = matches!(
        encoded.transfer_syntax.as_str(),
        "1.2.840.10008.1.2" | EXPLICIT_VR_LE | DEFLATED | "1.2.840.10008.1.2.2"
    );
    let vr = match encoded.vr {
        gantry_codec::PixelVr::Ob => VR::OB,
        _ => VR::OW,
    };
    let length = if native {
        Length(encoded.value.len() as u32)
    } else {
        Length::UNDEFINED
    };
    write_element_header(out, ts, vr, length)?;
    out.write_all(&encoded.value).map_err(io(temp))
}

fn write_element_header(
    out: &mut dyn Write,
    ts: &dicom_encoding::TransferSyntax,
    vr: VR,
    length: Length,
) -> Result<(), WriteError> {
    let encoder = ts
        .encoder()
        .ok_or_else(|| WriteError::UnknownTransferSyntax(ts.uid().to_string()))?;
    let mut element_header = Vec::with_capacity(12);
    encoder
        .encode_element_header(
            &mut element_header,
            DataElementHeader::new(tags::PIXEL_DATA, vr, length),
        )
        .map_err(|e| WriteError::Encode(e.to_string()))?;
    out.write_all(&element_header)
        .map_err(|e| WriteError::Encode(e.to_string()))
}

/// An I/O error on the source file. Its path is not named: export reasons
/// go into the manifest beside the output, and source paths can carry
/// patient names; `gantry mapping` (private) ties reasons to sources.
fn source_io(e: std::io::Error) -> WriteError {
    WriteError::Pixels(format!("source file: {e}"))
}

/// Pixel Data bytes are copied from the source in pieces of this size, so
/// memory does not grow with the size of a multi-frame file.
const COPY_CHUNK: u64 = 1 << 20;

fn write_pixels(
    out: &mut dyn Write,
    pixels: &PixelDataRef,
    ts: &dicom_encoding::TransferSyntax,
    source_path: &Path,
    sidecar: Option<&Sidecar>,
    temp: &Path,
) -> Result<(), WriteError> {
    let encapsulated = pixels.is_encapsulated();
    let vr = if encapsulated { VR::OB } else { pixels.vr };
    let header_length = |len: u64| {
        if encapsulated {
            Length::UNDEFINED
        } else {
            Length(len as u32)
        }
    };
    match pixels.location {
        PixelLocation::Source { offset, length } => {
            let mut file = std::fs::File::open(source_path).map_err(source_io)?;
            file.seek(SeekFrom::Start(offset)).map_err(source_io)?;
            write_element_header(out, ts, vr, header_length(length))?;
            let mut buf = vec![0u8; length.min(COPY_CHUNK) as usize];
            let mut left = length;
            while left > 0 {
                let want = left.min(COPY_CHUNK) as usize;
                let got = match file.read(&mut buf[..want]) {
                    Ok(got) => got,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(source_io(e)),
                };
                if got == 0 {
                    return Err(WriteError::Pixels(
                        "the source file ends before its Pixel Data (changed since ingest?)".into(),
                    ));
                }
                out.write_all(&buf[..got]).map_err(io(temp))?;
                left -= got as u64;
            }
            Ok(())
        }
        PixelLocation::Sidecar(id) => {
            let bytes = sidecar
                .ok_or_else(|| WriteError::Pixels("the session's sidecar is missing".into()))?
                .read(id)
                .map_err(|e| WriteError::Pixels(e.to_string()))?;
            write_element_header(out, ts, vr, header_length(bytes.len() as u64))?;
            out.write_all(&bytes).map_err(io(temp))
        }
    }
}

#[cfg(test)]
mod tests {
    use dicom_core::{DataElement, PrimitiveValue};
    use gantry_model::{PixelDataRef, PixelLocation};

    use super::*;

    fn header() -> InMemDicomObject {
        InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::SOP_CLASS_UID,
                VR::UI,
                PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.7"),
            ),
            DataElement::new(
                tags::SOP_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from("2.25.1"),
            ),
        ])
    }

    fn native(offset: u64, length: u64) -> PixelDataRef {
        PixelDataRef {
            location: PixelLocation::Source { offset, length },
            transfer_syntax: EXPLICIT_VR_LE.into(),
            vr: VR::OW,
            frames: 1,
            fragments: Vec::new(),
        }
    }

    #[test]
    fn pixel_data_larger_than_a_copy_chunk_is_copied_whole_and_hashed() {
        use sha2::Digest as _;
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.bin");
        // Two and a half chunks after 100 bytes of something else.
        let value: Vec<u8> = (0..(COPY_CHUNK * 5 / 2) as u32)
            .map(|i| (i % 251) as u8)
            .collect();
        let mut bytes = vec![0xAA; 100];
        bytes.extend_from_slice(&value);
        std::fs::write(&source, &bytes).unwrap();
        let pixels = native(100, value.len() as u64);
        for checksum in [Checksum::Blake3, Checksum::Sha256] {
            let dest = dir.path().join(format!("{}.dcm", checksum.as_str()));
            let written = write_instance(
                &dest,
                &header(),
                EXPLICIT_VR_LE,
                PixelOutput::Splice {
                    pixels: &pixels,
                    source_path: &source,
                    sidecar: None,
                },
                checksum,
            )
            .unwrap();
            let out = std::fs::read(&dest).unwrap();
            assert_eq!(written.size, out.len() as u64);
            let expected = match checksum {
                Checksum::Blake3 => format!("blake3:{}", blake3::hash(&out).to_hex()),
                Checksum::Sha256 => {
                    format!("sha256:{}", gantry_store::hex(&sha2::Sha256::digest(&out)))
                }
            };
            assert_eq!(written.checksum, expected);
            assert!(out.ends_with(&value));
            let obj = dicom_object::from_reader(&out[128..]).unwrap();
            assert_eq!(
                obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap(),
                value
            );
        }
    }

    #[test]
    fn a_source_shorter_than_its_pixel_data_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.bin");
        std::fs::write(&source, vec![7u8; 1000]).unwrap();
        let dest = dir.path().join("out.dcm");
        // Claims more bytes than the file holds (it shrank after ingest).
        let pixels = native(100, COPY_CHUNK + 10);
        let error = write_instance(
            &dest,
            &header(),
            EXPLICIT_VR_LE,
            PixelOutput::Splice {
                pixels: &pixels,
                source_path: &source,
                sidecar: None,
            },
            Checksum::Blake3,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "source pixel data unreadable: the source file ends before its Pixel Data (changed since ingest?)"
        );
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("source.bin")]);
    }
}
