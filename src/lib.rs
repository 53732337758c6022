//! Facade: placeholder.
