//! The columns a ledger expects: a `Spec` is a list of `FieldSpec`s, written once as a `const`
//! beside the registry that imports it, and used for reading, templates and exports alike.

/// One expected column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// The field's name in code and in the API (`id_number`); also accepted as a header.
    pub key: &'static str,
    /// The Chinese column title written in templates (`身份证号`).
    pub label: &'static str,
    /// Other titles officials use for the same column (`公民身份号码`, `证件号码`); a two-row
    /// header's `parent + child` (`联系方式手机`) may be listed here too.
    pub aliases: &'static [&'static str],
    /// A sheet without this column is refused before any row is read.
    pub required: bool,
    /// Identifiers (ID numbers, credit codes, phone numbers) must be text: a number of 16 or more
    /// digits stored as a number has already lost digits, and is reported instead of accepted.
    pub identifier: bool,
    /// Catalog key of a line of help shown in the template's header note; empty for none.
    pub help: &'static str,
}

impl FieldSpec {
    pub const fn new(key: &'static str, label: &'static str) -> Self {
        FieldSpec {
            key,
            label,
            aliases: &[],
            required: false,
            identifier: false,
            help: "",
        }
    }

    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub const fn identifier(mut self) -> Self {
        self.identifier = true;
        self
    }

    pub const fn help(mut self, key: &'static str) -> Self {
        self.help = key;
        self
    }
}

/// The columns of one kind of sheet, in template order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    pub fields: &'static [FieldSpec],
}

impl Spec {
    pub const fn new(fields: &'static [FieldSpec]) -> Self {
        Spec { fields }
    }

    pub fn field(&self, key: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.key == key)
    }
}
