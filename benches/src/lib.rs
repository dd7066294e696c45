//! Shared helpers for Gantry benches.
