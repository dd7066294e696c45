//! Gantry facade. (being written)
