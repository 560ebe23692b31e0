//! Testigo's field simulator (work in progress).
