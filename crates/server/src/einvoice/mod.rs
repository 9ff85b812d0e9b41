//! Invoice documents: the FatturaPA XML that SDI receives (the legally valid
//! invoice, B6) and, later, the courtesy PDF.

pub mod fatturapa;
pub mod pdf;
mod xml;
