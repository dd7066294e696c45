//! Gantry facade. (being written)
#[cfg(feature = "synth")] pub mod synth;
