//! Industry sections (门类) of GB/T 4754-2017, the national classification
//! of economic activities used in enterprise registers and statistics.
//!
//! Labels live here rather than in the message catalog: they are the
//! standard's official names, not interface text to be reworded.

use std::{fmt, str::FromStr};

use crate::error::{Invalid, keys};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndustrySection {
    Agriculture,
    Mining,
    Manufacturing,
    Utilities,
    Construction,
    WholesaleRetail,
    TransportStoragePost,
    AccommodationCatering,
    InformationTechnology,
    Finance,
    RealEstate,
    LeasingBusinessServices,
    ScientificResearch,
    WaterEnvironmentPublicFacilities,
    ResidentServices,
    Education,
    HealthSocialWork,
    CultureSportsEntertainment,
    PublicAdministration,
    InternationalOrganizations,
}

use IndustrySection::*;

/// (section, letter, official Chinese name, English name), in code order.
const SECTIONS: [(IndustrySection, char, &str, &str); 20] = [
    (
        Agriculture,
        'A',
        "农、林、牧、渔业",
        "Agriculture, forestry, animal husbandry and fishery",
    ),
    (Mining, 'B', "采矿业", "Mining"),
    (Manufacturing, 'C', "制造业", "Manufacturing"),
    (
        Utilities,
        'D',
        "电力、热力、燃气及水生产和供应业",
        "Production and supply of electricity, heat, gas and water",
    ),
    (Construction, 'E', "建筑业", "Construction"),
    (
        WholesaleRetail,
        'F',
        "批发和零售业",
        "Wholesale and retail trade",
    ),
    (
        TransportStoragePost,
        'G',
        "交通运输、仓储和邮政业",
        "Transport, storage and postal services",
    ),
    (
        AccommodationCatering,
        'H',
        "住宿和餐饮业",
        "Accommodation and catering",
    ),
    (
        InformationTechnology,
        'I',
        "信息传输、软件和信息技术服务业",
        "Information transmission, software and information technology services",
    ),
    (Finance, 'J', "金融业", "Finance"),
    (RealEstate, 'K', "房地产业", "Real estate"),
    (
        LeasingBusinessServices,
        'L',
        "租赁和商务服务业",
        "Leasing and business services",
    ),
    (
        ScientificResearch,
        'M',
        "科学研究和技术服务业",
        "Scientific research and technical services",
    ),
    (
        WaterEnvironmentPublicFacilities,
        'N',
        "水利、环境和公共设施管理业",
        "Management of water conservancy, environment and public facilities",
    ),
    (
        ResidentServices,
        'O',
        "居民服务、修理和其他服务业",
        "Resident services, repair and other services",
    ),
    (Education, 'P', "教育", "Education"),
    (
        HealthSocialWork,
        'Q',
        "卫生和社会工作",
        "Health and social work",
    ),
    (
        CultureSportsEntertainment,
        'R',
        "文化、体育和娱乐业",
        "Culture, sports and entertainment",
    ),
    (
        PublicAdministration,
        'S',
        "公共管理、社会保障和社会组织",
        "Public administration, social security and social organizations",
    ),
    (
        InternationalOrganizations,
        'T',
        "国际组织",
        "International organizations",
    ),
];

impl IndustrySection {
    pub const ALL: [IndustrySection; 20] = {
        let mut all = [Agriculture; 20];
        let mut i = 0;
        while i < 20 {
            all[i] = SECTIONS[i].0;
            i += 1;
        }
        all
    };

    fn entry(self) -> &'static (IndustrySection, char, &'static str, &'static str) {
        &SECTIONS[self as usize]
    }

    /// The section letter, `A` to `T`.
    pub fn code(self) -> char {
        self.entry().1
    }

    /// The letter as a string, for storage.
    pub fn as_str(self) -> &'static str {
        const LETTERS: &str = "ABCDEFGHIJKLMNOPQRST";
        let i = self as usize;
        &LETTERS[i..i + 1]
    }

    /// The official name in GB/T 4754-2017, e.g. `制造业`.
    pub fn name_zh(self) -> &'static str {
        self.entry().2
    }

    pub fn name_en(self) -> &'static str {
        self.entry().3
    }

    /// Accepts the letter (either case), the Chinese name, the English name
    /// (any case), or a letter followed by its own Chinese name as in
    /// `C 制造业` or `C-制造业`.
    pub fn parse(text: &str) -> Result<Self, Invalid> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Invalid::new(keys::INDUSTRY_EMPTY));
        }
        let unknown = || Invalid::with_detail(keys::INDUSTRY_UNKNOWN, text);
        let mut chars = text.chars();
        let first = chars.next().map(|c| c.to_ascii_uppercase());
        let rest = chars
            .as_str()
            .trim_start_matches([' ', '-', '.', '、', '　']);
        SECTIONS
            .iter()
            .find(|(_, letter, zh, en)| {
                let by_letter = first == Some(*letter) && (rest.is_empty() || rest == *zh);
                by_letter || text == *zh || text.eq_ignore_ascii_case(en)
            })
            .map(|entry| entry.0)
            .ok_or_else(unknown)
    }
}

impl fmt::Display for IndustrySection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IndustrySection {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for IndustrySection {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for IndustrySection {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <String as serde::Deserialize>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_run_from_a_to_t_in_order() {
        let letters: String = IndustrySection::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(letters, "ABCDEFGHIJKLMNOPQRST");
        for s in IndustrySection::ALL {
            assert_eq!(s.entry().0, s, "SECTIONS must follow declaration order");
            assert_eq!(s.as_str(), s.code().to_string());
        }
    }

    #[test]
    fn official_chinese_names_are_exact() {
        assert_eq!(IndustrySection::Agriculture.name_zh(), "农、林、牧、渔业");
        assert_eq!(
            IndustrySection::Utilities.name_zh(),
            "电力、热力、燃气及水生产和供应业"
        );
        assert_eq!(
            IndustrySection::ResidentServices.name_zh(),
            "居民服务、修理和其他服务业"
        );
        assert_eq!(
            IndustrySection::PublicAdministration.name_zh(),
            "公共管理、社会保障和社会组织"
        );
        assert_eq!(IndustrySection::InternationalOrganizations.code(), 'T');
    }

    #[test]
    fn letters_and_names_parse() {
        let c = IndustrySection::Manufacturing;
        for text in [
            "C",
            " c ",
            "制造业",
            "C 制造业",
            "C-制造业",
            "manufacturing",
        ] {
            assert_eq!(IndustrySection::parse(text), Ok(c), "{text}");
        }
        for s in IndustrySection::ALL {
            assert_eq!(IndustrySection::parse(s.name_zh()), Ok(s));
            assert_eq!(IndustrySection::parse(s.name_en()), Ok(s));
        }
    }

    #[test]
    fn unknown_sections_are_rejected() {
        let key = |t: &str| IndustrySection::parse(t).unwrap_err().key();
        assert_eq!(key(""), keys::INDUSTRY_EMPTY);
        assert_eq!(key("U"), keys::INDUSTRY_UNKNOWN);
        assert_eq!(key("C 采矿业"), keys::INDUSTRY_UNKNOWN);
        assert_eq!(key("制造"), keys::INDUSTRY_UNKNOWN);
    }

    #[test]
    fn serde_uses_the_letter() {
        let json = serde_json::to_string(&IndustrySection::Finance).unwrap();
        assert_eq!(json, "\"J\"");
        assert_eq!(
            serde_json::from_str::<IndustrySection>(&json).unwrap(),
            IndustrySection::Finance
        );
    }
}
