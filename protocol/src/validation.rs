//! Validation warnings with stable codes.
//!
//! A wrong acta is evidence: an inconsistency never stops a watcher from sealing and sending what
//! the paper shows. It becomes a warning that travels inside the signed record, so coordinators see
//! exactly what the watcher was told. The codes are part of the wire and of the apps' UI strings:
//! never rename one, only add.

use serde::{Deserialize, Serialize};

/// What is inconsistent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// A ballot option or count field has no number yet (`field` names it).
    CountMissing,
    /// The options plus null and blank votes do not add up to the voters who voted.
    SumMismatch,
    /// More voters voted than are registered at the table.
    VotedExceedsRegistered,
    /// The capture has no photo of the acta.
    PhotoMissing,
    /// The number decoded from the acta's QR code differs from the typed one (`field` names it).
    QrMismatch,
}

impl WarningCode {
    /// The stable text code, as on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            WarningCode::CountMissing => "count_missing",
            WarningCode::SumMismatch => "sum_mismatch",
            WarningCode::VotedExceedsRegistered => "voted_exceeds_registered",
            WarningCode::PhotoMissing => "photo_missing",
            WarningCode::QrMismatch => "qr_mismatch",
        }
    }
}

/// One warning about a capture.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Warning {
    /// What is wrong.
    pub code: WarningCode,
    /// The ballot option or count field concerned, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Warning {
    /// A warning about the capture as a whole.
    pub fn new(code: WarningCode) -> Self {
        Warning { code, field: None }
    }

    /// A warning about one field.
    pub fn on(code: WarningCode, field: impl Into<String>) -> Self {
        Warning { code, field: Some(field.into()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_stable_text() {
        for code in [
            WarningCode::CountMissing,
            WarningCode::SumMismatch,
            WarningCode::VotedExceedsRegistered,
            WarningCode::PhotoMissing,
            WarningCode::QrMismatch,
        ] {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
        }
    }
}
