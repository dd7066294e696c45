//! Gantry's session store. (being written)
