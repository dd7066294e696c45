//! JPEG 2000 Lossless encoding through OpenJPEG (`openjpeg-sys`).
//!
//! No maintained safe wrapper encodes from raw samples (`jpeg2k`, which
//! dicom-rs decodes with, can only re-save an image it decoded), so this
//! module calls the C API itself; it is the only `unsafe` code in the
//! crate. The codestream is a raw J2K codestream (no JP2 boxes, as DICOM
//! wants), one tile, one quality layer, reversible 5/3 wavelet and no
//! multiple component transform: three components stay R, G, B, so the
//! Photometric Interpretation stays what it was (RGB rather than
//! YBR_RCT), which every decoder handles. Precision is Bits Stored; the
//! signedness is Pixel Representation.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_void};
use std::ptr::NonNull;

use openjpeg_sys as opj;

use crate::encode::check_8_or_16;
use crate::error::{CodecError, Result};
use crate::frame::{Frame, Samples};

const LIBRARY: &str = "OpenJPEG";

fn failed(detail: impl Into<String>) -> CodecError {
    CodecError::Backend {
        library: LIBRARY,
        detail: detail.into(),
    }
}

/// The frame's samples as one `i32` plane per component (the frame is
/// interleaved).
fn planes(frame: &Frame) -> Vec<Vec<i32>> {
    let channels = usize::from(frame.format.samples_per_pixel);
    let values: Vec<i32> = match &frame.samples {
        Samples::U8(v) => v.iter().map(|&s| i32::from(s)).collect(),
        Samples::I8(v) => v.iter().map(|&s| i32::from(s)).collect(),
        Samples::U16(v) => v.iter().map(|&s| i32::from(s)).collect(),
        Samples::I16(v) => v.iter().map(|&s| i32::from(s)).collect(),
        // Refused by check_8_or_16.
        _ => Vec::new(),
    };
    (0..channels)
        .map(|c| values.iter().skip(c).step_by(channels).copied().collect())
        .collect()
}

/// Resolution levels: OpenJPEG's default of 6 unless the image is too
/// small for it (each level halves the smaller side).
fn resolutions(rows: u32, columns: u32) -> i32 {
    let smaller = rows.min(columns).max(1);
    (smaller.ilog2() as i32 + 1).clamp(1, 6)
}

/// One interleaved frame to a J2K codestream, losslessly.
pub(crate) fn encode(frame: &Frame) -> Result<Vec<u8>> {
    check_8_or_16(frame, "JPEG 2000", 1)?;
    let format = frame.format;
    let (rows, columns) = (u32::from(format.rows), u32::from(format.columns));
    let planes = planes(frame);
    let pixels = format.pixels();
    if planes.iter().any(|p| p.len() != pixels) {
        return Err(CodecError::Mismatch {
            detail: "JPEG 2000: the frame's samples do not fill its components".to_owned(),
        });
    }
    let precision = u32::from(format.bits_stored);
    let mut parameters: Vec<opj::opj_image_cmptparm_t> = planes
        .iter()
        .map(|_| opj::opj_image_cmptparm_t {
            dx: 1,
            dy: 1,
            w: columns,
            h: rows,
            x0: 0,
            y0: 0,
            prec: precision,
            bpp: precision,
            sgnd: u32::from(format.signed),
        })
        .collect();
    let color_space = if planes.len() == 1 {
        opj::COLOR_SPACE::OPJ_CLRSPC_GRAY
    } else {
        opj::COLOR_SPACE::OPJ_CLRSPC_SRGB
    };

    // Declared before the image, codec and stream that point at them, so
    // they are dropped after those.
    let mut messages = String::new();
    let mut sink = Sink::default();
    // SAFETY: `parameters` holds `planes.len()` initialised component
    // parameters and outlives the call, which copies them.
    let image = NonNull::new(unsafe {
        opj::opj_image_create(planes.len() as u32, parameters.as_mut_ptr(), color_space)
    })
    .map(Image)
    .ok_or_else(|| failed("could not create an image"))?;
    // SAFETY: `image` is a valid image just created with `planes.len()`
    // components of `columns` × `rows` samples, each with a `data` buffer
    // OpenJPEG allocated for that many `i32`s; nothing else refers to it.
    unsafe {
        let raw = image.0.as_ptr();
        (*raw).x0 = 0;
        (*raw).y0 = 0;
        (*raw).x1 = columns;
        (*raw).y1 = rows;
        for (c, plane) in planes.iter().enumerate() {
            let component = &mut *(*raw).comps.add(c);
            if component.data.is_null() {
                return Err(failed("image component without a buffer"));
            }
            std::slice::from_raw_parts_mut(component.data, pixels).copy_from_slice(plane);
        }
    }

    // SAFETY: opj_cparameters_t is plain data; the zeroed value is
    // overwritten with OpenJPEG's defaults before use.
    let mut cparameters: opj::opj_cparameters_t = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a parameter struct we own.
    unsafe { opj::opj_set_default_encoder_parameters(&mut cparameters) };
    cparameters.tcp_numlayers = 1;
    cparameters.tcp_rates[0] = 0.0; // no rate limit: lossless
    cparameters.cp_disto_alloc = 1;
    cparameters.irreversible = 0; // reversible 5/3 wavelet
    cparameters.tcp_mct = 0; // no colour transform
    cparameters.numresolution = resolutions(rows, columns);

    // SAFETY: creating a codec has no preconditions.
    let codec = NonNull::new(unsafe { opj::opj_create_compress(opj::CODEC_FORMAT::OPJ_CODEC_J2K) })
        .map(Codec)
        .ok_or_else(|| failed("could not create an encoder"))?;
    // SAFETY: `codec` and `image` are valid; `messages` and `sink` outlive
    // the codec and the stream (both are destroyed when this function
    // returns, before these locals); the callbacks only touch their own
    // user data, as the types below say, and never unwind.
    unsafe {
        opj::opj_set_error_handler(
            codec.0.as_ptr(),
            Some(on_error),
            (&mut messages as *mut String).cast(),
        );
        if opj::opj_setup_encoder(codec.0.as_ptr(), &mut cparameters, image.0.as_ptr()) == 0 {
            return Err(failed(format!("encoder setup refused: {messages}")));
        }
        let stream = NonNull::new(opj::opj_stream_create(1 << 16, 0))
            .map(Stream)
            .ok_or_else(|| failed("could not create an output stream"))?;
        let s = stream.0.as_ptr();
        opj::opj_stream_set_write_function(s, Some(write));
        opj::opj_stream_set_skip_function(s, Some(skip));
        opj::opj_stream_set_seek_function(s, Some(seek));
        opj::opj_stream_set_user_data(s, (&mut sink as *mut Sink).cast(), None);
        let ok = opj::opj_start_compress(codec.0.as_ptr(), image.0.as_ptr(), s) != 0
            && opj::opj_encode(codec.0.as_ptr(), s) != 0
            && opj::opj_end_compress(codec.0.as_ptr(), s) != 0;
        drop(stream);
        if !ok {
            return Err(failed(format!("encoding failed: {messages}")));
        }
    }
    drop(codec);
    drop(image);
    Ok(sink.data)
}

/// Owns an `opj_image_t`.
struct Image(NonNull<opj::opj_image_t>);

impl Drop for Image {
    fn drop(&mut self) {
        // SAFETY: created by opj_image_create, destroyed once.
        unsafe { opj::opj_image_destroy(self.0.as_ptr()) }
    }
}

/// Owns an `opj_codec_t`.
struct Codec(NonNull<opj::opj_codec_t>);

impl Drop for Codec {
    fn drop(&mut self) {
        // SAFETY: created by opj_create_compress, destroyed once.
        unsafe { opj::opj_destroy_codec(self.0.as_ptr()) }
    }
}

/// Owns an `opj_stream_t`.
struct Stream(NonNull<opj::opj_stream_t>);

impl Drop for Stream {
    fn drop(&mut self) {
        // SAFETY: created by opj_stream_create, destroyed once; its user
        // data is borrowed, not freed (no free function was set).
        unsafe { opj::opj_stream_destroy(self.0.as_ptr()) }
    }
}

/// Where the output stream writes: a growable buffer with a position
/// (OpenJPEG may skip or seek back to patch marker lengths).
#[derive(Default)]
struct Sink {
    data: Vec<u8>,
    position: usize,
}

impl Sink {
    fn write_at_position(&mut self, bytes: &[u8]) {
        let end = self.position + bytes.len();
        if self.data.len() < end {
            self.data.resize(end, 0);
        }
        self.data[self.position..end].copy_from_slice(bytes);
        self.position = end;
    }
}

/// OpenJPEG's write callback.
///
/// SAFETY (for the caller, OpenJPEG): `user` is the `Sink` set with
/// opj_stream_set_user_data; `buffer` holds `len` readable bytes.
unsafe extern "C" fn write(buffer: *mut c_void, len: usize, user: *mut c_void) -> usize {
    if buffer.is_null() || user.is_null() {
        return usize::MAX; // OpenJPEG's (OPJ_SIZE_T)-1: failure
    }
    // SAFETY: as stated above.
    let (sink, bytes) = unsafe {
        (
            &mut *user.cast::<Sink>(),
            std::slice::from_raw_parts(buffer.cast::<u8>(), len),
        )
    };
    sink.write_at_position(bytes);
    len
}

/// OpenJPEG's skip callback: moves forward, zero-filling.
///
/// SAFETY (for the caller): `user` is the `Sink`.
unsafe extern "C" fn skip(len: i64, user: *mut c_void) -> i64 {
    if user.is_null() || len < 0 {
        return -1;
    }
    // SAFETY: as stated above.
    let sink = unsafe { &mut *user.cast::<Sink>() };
    sink.position = sink.position.saturating_add(len as usize);
    if sink.data.len() < sink.position {
        sink.data.resize(sink.position, 0);
    }
    len
}

/// OpenJPEG's seek callback (absolute position).
///
/// SAFETY (for the caller): `user` is the `Sink`.
unsafe extern "C" fn seek(position: i64, user: *mut c_void) -> i32 {
    if user.is_null() || position < 0 {
        return 0;
    }
    // SAFETY: as stated above.
    let sink = unsafe { &mut *user.cast::<Sink>() };
    sink.position = position as usize;
    if sink.data.len() < sink.position {
        sink.data.resize(sink.position, 0);
    }
    1
}

/// OpenJPEG's error callback: keeps the messages (about parameters and
/// the codestream, never sample values) for the error we return.
///
/// SAFETY (for the caller): `user` is the `String` set with
/// opj_set_error_handler; `message` is a NUL-terminated string.
unsafe extern "C" fn on_error(message: *const c_char, user: *mut c_void) {
    if message.is_null() || user.is_null() {
        return;
    }
    // SAFETY: as stated above.
    let (messages, message) = unsafe { (&mut *user.cast::<String>(), CStr::from_ptr(message)) };
    if !messages.is_empty() {
        messages.push_str("; ");
    }
    messages.push_str(message.to_string_lossy().trim());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions_fit_small_images() {
        assert_eq!(resolutions(1, 1), 1);
        assert_eq!(resolutions(3, 5), 2);
        assert_eq!(resolutions(31, 512), 5);
        assert_eq!(resolutions(512, 512), 6);
    }
}
