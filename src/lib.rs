//! ykien
