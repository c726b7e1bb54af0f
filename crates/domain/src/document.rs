//! Identity documents other than (and including) the resident ID, as typed
//! into forms or imported from spreadsheets.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{
    IdNumber,
    error::{Invalid, keys},
    gb11643,
    mask::mask_middle,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentType {
    /// 居民身份证
    ResidentId,
    /// 港澳台居民居住证: 18 characters, 81/82/83 prefix, GB 11643 checksum.
    HkMacaoTaiwanResidencePermit,
    /// 港澳居民来往内地通行证: H or M followed by 8 or 10 digits.
    HkMacaoPermit,
    /// 台湾居民来往大陆通行证: 8 digits (current) or 10 characters (older).
    TaiwanPermit,
    /// 护照: 5–17 ASCII letters or digits; formats vary by country.
    Passport,
    /// 外国人永久居留身份证: 3 letters + 12 digits (old) or 18 characters
    /// starting with 9 with a GB 11643 checksum (since 2023).
    ForeignPermanentResidence,
}

impl DocumentType {
    pub const ALL: [DocumentType; 6] = [
        DocumentType::ResidentId,
        DocumentType::HkMacaoTaiwanResidencePermit,
        DocumentType::HkMacaoPermit,
        DocumentType::TaiwanPermit,
        DocumentType::Passport,
        DocumentType::ForeignPermanentResidence,
    ];

    /// Stable snake_case code for storage and APIs (also the serde form).
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentType::ResidentId => "resident_id",
            DocumentType::HkMacaoTaiwanResidencePermit => "hk_macao_taiwan_residence_permit",
            DocumentType::HkMacaoPermit => "hk_macao_permit",
            DocumentType::TaiwanPermit => "taiwan_permit",
            DocumentType::Passport => "passport",
            DocumentType::ForeignPermanentResidence => "foreign_permanent_residence",
        }
    }

    /// The official Chinese name of the document.
    pub fn label_zh(self) -> &'static str {
        match self {
            DocumentType::ResidentId => "居民身份证",
            DocumentType::HkMacaoTaiwanResidencePermit => "港澳台居民居住证",
            DocumentType::HkMacaoPermit => "港澳居民来往内地通行证",
            DocumentType::TaiwanPermit => "台湾居民来往大陆通行证",
            DocumentType::Passport => "护照",
            DocumentType::ForeignPermanentResidence => "外国人永久居留身份证",
        }
    }

    /// Best-effort type for an import without a type column, judged on shape
    /// only: a number of the right shape with a wrong checksum still gets its
    /// type, so the later `Document::parse` reports the precise error.
    /// Resident IDs never start with 8 or 9 except the synthetic demo
    /// province 99, which is why 9 followed by 1–6 (a real province, as on
    /// the 2023 foreign residence card) is the foreign card.
    pub fn guess(text: &str) -> Option<DocumentType> {
        let s = text.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        let digits = |range: &[u8]| range.iter().all(u8::is_ascii_digit);
        match b.len() {
            18 if gb11643::has_shape(b) => Some(match (b[0], b[1]) {
                (b'8', b'1'..=b'3') => DocumentType::HkMacaoTaiwanResidencePermit,
                (b'9', b'1'..=b'6') => DocumentType::ForeignPermanentResidence,
                _ => DocumentType::ResidentId,
            }),
            15 if digits(b) => Some(DocumentType::ResidentId),
            15 if b[..3].iter().all(u8::is_ascii_alphabetic) && digits(&b[3..]) => {
                Some(DocumentType::ForeignPermanentResidence)
            }
            9 | 11 if matches!(b[0], b'H' | b'M') && digits(&b[1..]) => {
                Some(DocumentType::HkMacaoPermit)
            }
            8 | 10 if digits(b) => Some(DocumentType::TaiwanPermit),
            5..=17 if b.iter().all(u8::is_ascii_alphanumeric) => Some(DocumentType::Passport),
            _ => None,
        }
    }
}

impl fmt::Display for DocumentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocumentType {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        DocumentType::ALL
            .into_iter()
            .find(|t| t.as_str() == s || t.label_zh() == s)
            .ok_or_else(|| Invalid::with_detail(keys::DOCUMENT_TYPE_UNKNOWN, s))
    }
}

/// A validated document number of a known type. `Debug` is masked.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawDocument")]
pub struct Document {
    kind: DocumentType,
    number: String,
}

#[derive(Deserialize)]
struct RawDocument {
    kind: DocumentType,
    number: String,
}

impl TryFrom<RawDocument> for Document {
    type Error = Invalid;

    fn try_from(raw: RawDocument) -> Result<Self, Self::Error> {
        Document::parse(raw.kind, &raw.number)
    }
}

impl Document {
    /// Trims and uppercases, then validates per type. Resident IDs go through
    /// `IdNumber::parse` (and keep its error keys); 15-digit ones are stored
    /// in their 18-character form.
    pub fn parse(kind: DocumentType, text: &str) -> Result<Self, Invalid> {
        if kind == DocumentType::ResidentId {
            let id = IdNumber::parse(text)?;
            return Ok(Self {
                kind,
                number: id.as_str().to_owned(),
            });
        }
        let number = text.trim().to_ascii_uppercase();
        if number.is_empty() {
            return Err(Invalid::new(keys::DOCUMENT_EMPTY));
        }
        if !number.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Invalid::new(keys::DOCUMENT_CHARACTERS));
        }
        let b = number.as_bytes();
        match kind {
            DocumentType::ResidentId => unreachable!("handled above"),
            DocumentType::HkMacaoTaiwanResidencePermit => check_residence_permit(b)?,
            DocumentType::HkMacaoPermit => check_hk_macao_permit(b)?,
            DocumentType::TaiwanPermit => check_taiwan_permit(b)?,
            DocumentType::Passport => check_length(b, &[5..=17])?,
            DocumentType::ForeignPermanentResidence => check_foreign_residence(b)?,
        }
        Ok(Self { kind, number })
    }

    pub fn kind(&self) -> DocumentType {
        self.kind
    }

    pub fn number(&self) -> &str {
        &self.number
    }

    /// The resident ID, for documents of that type.
    pub fn id_number(&self) -> Option<IdNumber> {
        match self.kind {
            DocumentType::ResidentId => IdNumber::parse(&self.number).ok(),
            _ => None,
        }
    }

    /// Resident IDs use `IdNumber::masked`; other numbers keep their first
    /// two and last two characters.
    pub fn masked(&self) -> String {
        match self.kind {
            DocumentType::ResidentId => mask_middle(&self.number, 6, 4),
            _ => mask_middle(&self.number, 2, 2),
        }
    }
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("kind", &self.kind)
            .field("number", &self.masked())
            .finish()
    }
}

fn check_length(b: &[u8], allowed: &[std::ops::RangeInclusive<usize>]) -> Result<(), Invalid> {
    if allowed.iter().any(|r| r.contains(&b.len())) {
        Ok(())
    } else {
        Err(Invalid::with_detail(
            keys::DOCUMENT_LENGTH,
            b.len().to_string(),
        ))
    }
}

fn all_digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// Same layout as a resident ID (810000/820000/830000 + birth date +
/// sequence + check), so the birth date is checked as well.
fn check_residence_permit(b: &[u8]) -> Result<(), Invalid> {
    check_gb11643(b)?;
    if !(b[0] == b'8' && matches!(b[1], b'1'..=b'3')) {
        return Err(Invalid::new(keys::DOCUMENT_PREFIX));
    }
    let birth = std::str::from_utf8(&b[6..14]).expect("ASCII digits");
    if crate::dates::date_from_yyyymmdd(birth).is_none() {
        return Err(Invalid::with_detail(keys::DOCUMENT_BIRTH_DATE, birth));
    }
    if !gb11643::is_valid(b) {
        return Err(Invalid::new(keys::DOCUMENT_CHECKSUM));
    }
    Ok(())
}

/// Length and shape of an 18-character GB 11643 style number.
fn check_gb11643(b: &[u8]) -> Result<(), Invalid> {
    check_length(b, &[18..=18])?;
    if !gb11643::has_shape(b) {
        return Err(Invalid::new(keys::DOCUMENT_CHARACTERS));
    }
    Ok(())
}

fn check_hk_macao_permit(b: &[u8]) -> Result<(), Invalid> {
    check_length(b, &[9..=9, 11..=11])?;
    if !matches!(b[0], b'H' | b'M') {
        return Err(Invalid::new(keys::DOCUMENT_PREFIX));
    }
    if !all_digits(&b[1..]) {
        return Err(Invalid::new(keys::DOCUMENT_CHARACTERS));
    }
    Ok(())
}

/// Current cards carry 8 digits; older ones 10 characters, sometimes with a
/// letter, so only the 8-digit form is held to digits.
fn check_taiwan_permit(b: &[u8]) -> Result<(), Invalid> {
    check_length(b, &[8..=8, 10..=10])?;
    if b.len() == 8 && !all_digits(b) {
        return Err(Invalid::new(keys::DOCUMENT_CHARACTERS));
    }
    Ok(())
}

fn check_foreign_residence(b: &[u8]) -> Result<(), Invalid> {
    check_length(b, &[15..=15, 18..=18])?;
    if b.len() == 15 {
        if !b[..3].iter().all(u8::is_ascii_alphabetic) || !all_digits(&b[3..]) {
            return Err(Invalid::new(keys::DOCUMENT_CHARACTERS));
        }
        return Ok(());
    }
    check_gb11643(b)?;
    if b[0] != b'9' {
        return Err(Invalid::new(keys::DOCUMENT_PREFIX));
    }
    if !gb11643::is_valid(b) {
        return Err(Invalid::new(keys::DOCUMENT_CHECKSUM));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_check(first17: &str) -> String {
        let c = gb11643::check_char(first17.as_bytes()).unwrap();
        format!("{first17}{}", char::from(c))
    }

    fn key(kind: DocumentType, text: &str) -> &'static str {
        Document::parse(kind, text).unwrap_err().key()
    }

    #[test]
    fn type_codes_round_trip_through_from_str_and_serde() {
        for t in DocumentType::ALL {
            assert_eq!(t.as_str().parse::<DocumentType>(), Ok(t));
            assert_eq!(t.label_zh().parse::<DocumentType>(), Ok(t));
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.as_str())
            );
        }
        assert_eq!(
            "id_card".parse::<DocumentType>().unwrap_err().key(),
            keys::DOCUMENT_TYPE_UNKNOWN
        );
    }

    #[test]
    fn a_resident_id_is_normalized_and_masked_like_an_id_number() {
        let d = Document::parse(DocumentType::ResidentId, " 11010519491231002x ").unwrap();
        assert_eq!(d.number(), "11010519491231002X");
        assert_eq!(d.masked(), "110105********002X");
        assert_eq!(d.id_number().unwrap().as_str(), "11010519491231002X");
    }

    #[test]
    fn a_resident_id_keeps_the_id_number_error_keys() {
        assert_eq!(
            key(DocumentType::ResidentId, "110105194912310021"),
            keys::ID_NUMBER_CHECKSUM
        );
    }

    #[test]
    fn a_residence_permit_needs_an_81_to_83_prefix_and_a_valid_checksum() {
        let good = with_check("81000019900101001");
        let d = Document::parse(DocumentType::HkMacaoTaiwanResidencePermit, &good).unwrap();
        assert_eq!(d.masked(), format!("81{}{}", "*".repeat(14), &good[16..]));
        let kind = DocumentType::HkMacaoTaiwanResidencePermit;
        assert_eq!(
            key(kind, &with_check("84000019900101001")),
            keys::DOCUMENT_PREFIX
        );
        assert_eq!(
            key(kind, &with_check("83000019900230001")),
            keys::DOCUMENT_BIRTH_DATE
        );
        let wrong = format!(
            "{}{}",
            &good[..17],
            if good.ends_with('0') { '1' } else { '0' }
        );
        assert_eq!(key(kind, &wrong), keys::DOCUMENT_CHECKSUM);
    }

    #[test]
    fn a_hk_macao_permit_is_h_or_m_and_8_or_10_digits() {
        let d = Document::parse(DocumentType::HkMacaoPermit, "h12345678").unwrap();
        assert_eq!(d.number(), "H12345678");
        assert_eq!(d.masked(), "H1*****78");
        assert!(Document::parse(DocumentType::HkMacaoPermit, "M1234567890").is_ok());
        assert_eq!(
            key(DocumentType::HkMacaoPermit, "K12345678"),
            keys::DOCUMENT_PREFIX
        );
        assert_eq!(
            key(DocumentType::HkMacaoPermit, "H1234567"),
            keys::DOCUMENT_LENGTH
        );
        assert_eq!(
            key(DocumentType::HkMacaoPermit, "H1234567A"),
            keys::DOCUMENT_CHARACTERS
        );
    }

    #[test]
    fn a_taiwan_permit_is_8_digits_or_10_characters() {
        assert!(Document::parse(DocumentType::TaiwanPermit, "12345678").is_ok());
        assert!(Document::parse(DocumentType::TaiwanPermit, "1234567890").is_ok());
        assert_eq!(
            key(DocumentType::TaiwanPermit, "1234567A"),
            keys::DOCUMENT_CHARACTERS
        );
        assert_eq!(
            key(DocumentType::TaiwanPermit, "123456789"),
            keys::DOCUMENT_LENGTH
        );
    }

    #[test]
    fn a_passport_is_5_to_17_letters_or_digits() {
        assert_eq!(
            Document::parse(DocumentType::Passport, " e12345678 ")
                .unwrap()
                .number(),
            "E12345678"
        );
        assert_eq!(key(DocumentType::Passport, "E123"), keys::DOCUMENT_LENGTH);
        assert_eq!(
            key(DocumentType::Passport, "E1234-5678"),
            keys::DOCUMENT_CHARACTERS
        );
        assert_eq!(key(DocumentType::Passport, "  "), keys::DOCUMENT_EMPTY);
    }

    #[test]
    fn a_foreign_permanent_residence_card_has_an_old_and_a_new_form() {
        let kind = DocumentType::ForeignPermanentResidence;
        assert!(Document::parse(kind, "usa110090010199").is_ok());
        assert_eq!(key(kind, "US1110090010199"), keys::DOCUMENT_CHARACTERS);
        assert!(Document::parse(kind, &with_check("93184019900101001")).is_ok());
        assert_eq!(
            key(kind, &with_check("13184019900101001")),
            keys::DOCUMENT_PREFIX
        );
    }

    #[test]
    fn guess_classifies_by_shape() {
        use DocumentType::*;
        assert_eq!(DocumentType::guess("11010519491231002x"), Some(ResidentId));
        assert_eq!(DocumentType::guess("110105194912310021"), Some(ResidentId));
        assert_eq!(DocumentType::guess("990101199005170235"), Some(ResidentId));
        assert_eq!(DocumentType::guess("110105491231002"), Some(ResidentId));
        assert_eq!(
            DocumentType::guess("810000199001010011"),
            Some(HkMacaoTaiwanResidencePermit)
        );
        assert_eq!(
            DocumentType::guess("931840199001010011"),
            Some(ForeignPermanentResidence)
        );
        assert_eq!(
            DocumentType::guess("USA110090010199"),
            Some(ForeignPermanentResidence)
        );
        assert_eq!(DocumentType::guess("H12345678"), Some(HkMacaoPermit));
        assert_eq!(DocumentType::guess("12345678"), Some(TaiwanPermit));
        assert_eq!(DocumentType::guess("E12345678"), Some(Passport));
        assert_eq!(DocumentType::guess("张三"), None);
        assert_eq!(DocumentType::guess("123"), None);
    }

    #[test]
    fn debug_and_serde_never_bypass_validation_or_leak_the_number() {
        let d = Document::parse(DocumentType::Passport, "E12345678").unwrap();
        assert!(!format!("{d:?}").contains("E12345678"));
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, r#"{"kind":"passport","number":"E12345678"}"#);
        assert_eq!(serde_json::from_str::<Document>(&json).unwrap(), d);
        assert!(serde_json::from_str::<Document>(r#"{"kind":"passport","number":"E1"}"#).is_err());
    }
}
