//! compat placeholder
