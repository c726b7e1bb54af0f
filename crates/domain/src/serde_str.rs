//! Serde support for newtypes that travel as a single string: serialization
//! writes `as_str()`, deserialization goes through `parse` so a value read
//! from JSON or a database is as valid as one typed by a user.

macro_rules! serde_as_parsed_string {
    ($ty:ty) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                <$ty>::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(crate) use serde_as_parsed_string;
