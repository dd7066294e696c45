//! AES-256-SIV encryption (RFC 5297, S2V with CMAC, then CTR) for the
//! project-key item, on the `aes` block cipher directly.
//!
//! It computes exactly what `aes_siv::siv::Aes256Siv::encrypt` does with the
//! associated data `[MAGIC, new SOPInstanceUID]` (the tests compare the two
//! on random inputs; opening still uses the aes-siv crate), but faster for
//! this one shape of input:
//!
//! - the S2V state after the constant first associated data (the format
//!   magic) depends on the key alone and is computed once per [`SivKey`];
//! - every CMAC chain runs inside one call into the cipher's backend, so the
//!   round keys are prepared once per chain instead of once per block (with
//!   VAES the `aes` crate broadcasts all round keys on every call: calling
//!   it per block costs several times the block itself);
//! - the plaintext's CMAC runs while the plaintext is being written (its
//!   chain waits on AES latency with the core otherwise idle; the writing
//!   fills those cycles), block by block as soon as a block is known not to
//!   be among the last 16 bytes, which S2V mixes with the associated data's
//!   MACs;
//! - the keystream is made 64 counter blocks per call (the backend's
//!   parallel width) and XORed in place: no copy of the plaintext.
//!
//! What remains is CMAC's chain over the plaintext, one AES-256 block after
//! another: each block waits for the one before, 14 rounds of AES latency
//! per 16 bytes.

use aes::Aes256Enc;
use aes::cipher::consts::U16;
use aes::cipher::{
    BlockCipherEncBackend, BlockCipherEncClosure, BlockCipherEncrypt, BlockSizeUser, KeyInit,
    ParBlocks,
};

type Block = aes::Block;

const BLOCK: usize = 16;

/// Above how many keystream blocks one parallel call (64 blocks, the
/// surplus discarded) beats encrypting them one by one.
const PAR_THRESHOLD: usize = 8;

/// Length of the synthetic IV that leads the sealed bytes.
pub(super) const TAG_LEN: usize = BLOCK;

/// An AES-256-SIV key ready to seal: both AES key schedules, the CMAC
/// subkeys and the S2V state after the constant first associated data.
pub(super) struct SivKey {
    mac: Aes256Enc,
    ctr: Aes256Enc,
    k1: [u8; BLOCK],
    k2: [u8; BLOCK],
    /// S2V's D after the first associated data: dbl(CMAC(0¹²⁸)) ⊕ CMAC(ad0).
    d_ad0: [u8; BLOCK],
}

impl SivKey {
    /// `key` is the 64-byte AES-256-SIV key (MAC key first, as aes-siv
    /// splits it); `ad0` the first associated data of every message.
    pub(super) fn new(key: &[u8; 64], ad0: &[u8]) -> SivKey {
        let (mac_key, ctr_key) = key.split_at(32);
        let mac = new_aes(mac_key);
        let ctr = new_aes(ctr_key);
        let mut setup = Setup {
            ad0,
            k1: [0; BLOCK],
            k2: [0; BLOCK],
            d_ad0: [0; BLOCK],
        };
        mac.encrypt_with_backend(&mut setup);
        let Setup { k1, k2, d_ad0, .. } = setup;
        SivKey {
            mac,
            ctr,
            k1,
            k2,
            d_ad0,
        }
    }

    /// Encrypt the plaintext `write` appends to `buffer`, in place, and
    /// return the synthetic IV (the tag that leads the sealed bytes), with
    /// the associated data `[ad0, ad1]`.
    ///
    /// `write` may report its progress: called with the buffer so far, the
    /// MAC takes in the plaintext written up to then, so it runs alongside
    /// the writing (its chain is bound by AES latency, which leaves the
    /// core idle; the writing fills it). Bytes reported are final, unless a
    /// later report is shorter than an earlier one: then the writing
    /// started over, and so does the MAC. When `write` fails, its error is
    /// returned and the buffer is left as `write` left it.
    pub(super) fn encrypt_appended<E>(
        &self,
        ad1: &[u8],
        buffer: &mut Vec<u8>,
        write: impl FnOnce(&mut Vec<u8>, &mut dyn FnMut(&[u8])) -> Result<(), E>,
    ) -> Result<[u8; BLOCK], E> {
        let start = buffer.len();
        let mut s2v = S2v {
            key: self,
            ad1,
            buffer: &mut *buffer,
            write: Some(write),
            outcome: None,
        };
        self.mac.encrypt_with_backend(&mut s2v);
        let tag = match s2v.outcome {
            Some(outcome) => outcome?,
            None => unreachable!("the backend runs the S2V closure"),
        };
        self.ctr.encrypt_with_backend(Ctr {
            iv: tag,
            buffer: &mut buffer[start..],
        });
        Ok(tag)
    }
}

impl Drop for SivKey {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.k1);
        zeroize::Zeroize::zeroize(&mut self.k2);
        zeroize::Zeroize::zeroize(&mut self.d_ad0);
    }
}

fn new_aes(key: &[u8]) -> Aes256Enc {
    match Aes256Enc::new_from_slice(key) {
        Ok(aes) => aes,
        Err(_) => unreachable!("an AES-256 key half is 32 bytes"),
    }
}

/// Doubling in GF(2¹²⁸) (RFC 5297 §2.3), in constant time.
fn dbl(block: [u8; BLOCK]) -> [u8; BLOCK] {
    let v = u128::from_be_bytes(block);
    let carry = v >> 127;
    ((v << 1) ^ (0x87 & carry.wrapping_neg())).to_be_bytes()
}

fn xor(a: [u8; BLOCK], b: &[u8; BLOCK]) -> [u8; BLOCK] {
    (u128::from_ne_bytes(a) ^ u128::from_ne_bytes(*b)).to_ne_bytes()
}

/// One AES block through the backend.
#[inline(always)]
fn aes<B: BlockCipherEncBackend<BlockSize = U16>>(backend: &B, block: [u8; BLOCK]) -> [u8; BLOCK] {
    let mut block = Block::from(block);
    backend.encrypt_block((&mut block).into());
    block.0
}

/// A CMAC chain (CBC-MAC with a zero IV) over whole blocks.
#[inline(always)]
fn chain<B: BlockCipherEncBackend<BlockSize = U16>>(
    backend: &B,
    mut x: [u8; BLOCK],
    blocks: &[u8],
) -> [u8; BLOCK] {
    let (blocks, _) = blocks.as_chunks::<BLOCK>();
    for block in blocks {
        x = aes(backend, xor(x, block));
    }
    x
}

/// The last block of a CMAC message: complete, XORed with K1; partial (or
/// empty), padded with 10* and XORed with K2.
fn last_block(last: &[u8], k1: &[u8; BLOCK], k2: &[u8; BLOCK]) -> [u8; BLOCK] {
    if let Ok(last) = <&[u8; BLOCK]>::try_from(last) {
        xor(*k1, last)
    } else {
        let mut padded = [0u8; BLOCK];
        padded[..last.len()].copy_from_slice(last);
        padded[last.len()] = 0x80;
        xor(*k2, &padded)
    }
}

/// How many bytes of a message of `len` bytes go through the chain before
/// its last block (the last block is 1 to 16 bytes, or empty).
fn before_last(len: usize) -> usize {
    len.saturating_sub(1) / BLOCK * BLOCK
}

/// CMAC of a whole message.
fn cmac<B: BlockCipherEncBackend<BlockSize = U16>>(
    backend: &B,
    message: &[u8],
    k1: &[u8; BLOCK],
    k2: &[u8; BLOCK],
) -> [u8; BLOCK] {
    let (head, last) = message.split_at(before_last(message.len()));
    let x = chain(backend, [0; BLOCK], head);
    aes(backend, xor(x, &last_block(last, k1, k2)))
}

/// Key set-up inside the MAC key's backend: subkeys and the S2V state after
/// the first associated data.
struct Setup<'a> {
    ad0: &'a [u8],
    k1: [u8; BLOCK],
    k2: [u8; BLOCK],
    d_ad0: [u8; BLOCK],
}

impl BlockSizeUser for &mut Setup<'_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for &mut Setup<'_> {
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let l = aes(backend, [0; BLOCK]);
        self.k1 = dbl(l);
        self.k2 = dbl(self.k1);
        let d = cmac(backend, &[0; BLOCK], &self.k1, &self.k2);
        let ad0 = cmac(backend, self.ad0, &self.k1, &self.k2);
        self.d_ad0 = xor(dbl(d), &ad0);
    }
}

/// S2V over `[ad0, ad1, message]` inside the MAC key's backend, the
/// message being what `write` appends to the buffer.
struct S2v<'k, 'b, W, E> {
    key: &'k SivKey,
    ad1: &'b [u8],
    buffer: &'b mut Vec<u8>,
    write: Option<W>,
    outcome: Option<Result<[u8; BLOCK], E>>,
}

impl<W, E> BlockSizeUser for &mut S2v<'_, '_, W, E> {
    type BlockSize = U16;
}

impl<W, E> BlockCipherEncClosure for &mut S2v<'_, '_, W, E>
where
    W: FnOnce(&mut Vec<u8>, &mut dyn FnMut(&[u8])) -> Result<(), E>,
{
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let (k1, k2) = (&self.key.k1, &self.key.k2);
        let Some(write) = self.write.take() else {
            return;
        };
        // CMAC(ad1) first: the CPU overlaps its chain with the writing.
        let ad1 = cmac(backend, self.ad1, k1, k2);
        let d = xor(dbl(self.key.d_ad0), &ad1);
        // The message's blocks that end at least 16 bytes before its end do
        // not depend on D: they are chained as soon as they are written.
        // While writing, a block is known to be one of them once 16 more
        // bytes follow it.
        let start = self.buffer.len();
        let mut m = [0u8; BLOCK];
        let mut done = 0;
        let mut absorb = |so_far: &[u8]| {
            let message = so_far.get(start..).unwrap_or_default();
            if message.len() < done {
                // Started over.
                (m, done) = ([0; BLOCK], 0);
            }
            if let Some(ready) = message.get(done..message.len().saturating_sub(BLOCK)) {
                let (blocks, _) = ready.as_chunks::<BLOCK>();
                m = chain(backend, m, blocks.as_flattened());
                done += blocks.len() * BLOCK;
            }
        };
        if let Err(e) = write(self.buffer, &mut absorb) {
            self.outcome = Some(Err(e));
            return;
        }
        absorb(self.buffer);
        let message = self.buffer.get(start..).unwrap_or_default();
        let tag = if message.len() >= BLOCK {
            // CMAC(message with its last 16 bytes XORed with D): what is
            // left is 16 to 31 bytes.
            let rest = &message[done..];
            let mut tail = [0u8; 2 * BLOCK];
            tail[..rest.len()].copy_from_slice(rest);
            let end = rest.len();
            for (t, d) in tail[end - BLOCK..end].iter_mut().zip(d) {
                *t ^= d;
            }
            let tail = &tail[..end];
            let (head, last) = tail.split_at(before_last(end));
            let m = chain(backend, m, head);
            aes(backend, xor(m, &last_block(last, k1, k2)))
        } else {
            // CMAC(dbl(D) ⊕ (message padded with 10*)): one whole block.
            let mut padded = [0u8; BLOCK];
            padded[..message.len()].copy_from_slice(message);
            padded[message.len()] = 0x80;
            let t = xor(dbl(d), &padded);
            aes(backend, xor(t, k1))
        };
        self.outcome = Some(Ok(tag));
    }
}

/// CTR (128-bit big-endian counter) from the synthetic IV with bits 63 and
/// 31 cleared, XORed into the buffer.
struct Ctr<'m> {
    iv: [u8; BLOCK],
    buffer: &'m mut [u8],
}

impl BlockSizeUser for Ctr<'_> {
    type BlockSize = U16;
}

impl BlockCipherEncClosure for Ctr<'_> {
    fn call<B: BlockCipherEncBackend<BlockSize = U16>>(self, backend: &B) {
        let mut iv = self.iv;
        iv[8] &= 0x7f;
        iv[12] &= 0x7f;
        let mut counter = u128::from_be_bytes(iv);
        let mut keystream = ParBlocks::<B>::default();
        let width = keystream.len() * BLOCK;
        for chunk in self.buffer.chunks_mut(width) {
            let blocks = chunk.len().div_ceil(BLOCK);
            if blocks > PAR_THRESHOLD {
                // Enough blocks for the parallel path (the surplus is
                // discarded).
                for block in keystream.iter_mut() {
                    block.0 = counter.to_be_bytes();
                    counter = counter.wrapping_add(1);
                }
                backend.encrypt_par_blocks((&mut keystream).into());
            } else {
                for block in keystream.iter_mut().take(blocks) {
                    block.0 = counter.to_be_bytes();
                    counter = counter.wrapping_add(1);
                    backend.encrypt_block(block.into());
                }
            }
            let (whole, partial) = chunk.as_chunks_mut::<BLOCK>();
            for (bytes, block) in whole.iter_mut().zip(keystream.iter()) {
                *bytes = xor(*bytes, &block.0);
            }
            if let Some(block) = keystream.get(whole.len()) {
                for (b, k) in partial.iter_mut().zip(block.0) {
                    *b ^= k;
                }
            }
        }
        // Best-effort wipe (keystream ⊕ ciphertext = plaintext): plain
        // stores kept by `black_box`; `zeroize`'s byte-wise volatile writes
        // would cost more than the encryption of a short plaintext.
        keystream = ParBlocks::<B>::default();
        std::hint::black_box(&keystream);
    }
}

#[cfg(test)]
mod tests;
