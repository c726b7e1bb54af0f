//! Form fields. One `Field` describes a labelled input with its help, its error in the user's
//! language and its required mark; `templates/kit/field.html` renders every kind the same way.
//! Dates accept `2020-03-10` and `2020年3月10日` (the server parses both with
//! `domain::parse_date_lenient`), so the inputs are text inputs, not the browser's date widget
//! whose format varies by locale.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectOption {
    pub value: String,
    pub label: String,
}

impl SelectOption {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> Self {
        SelectOption {
            value: value.into(),
            label: label.into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Number,
    Date,
    DateTime,
    Password,
    Search,
    Textarea,
    Select(Vec<SelectOption>),
    /// A file input; `accept` lists types such as `.xlsx,.xls,.csv`.
    File {
        accept: String,
    },
    /// A record chosen by searching: `kind` names the endpoint `/ui/pick/{kind}` that answers
    /// options (`areas` here; registries add `persons`, `enterprises`, `places`). The value is
    /// the record's key, which a user may also type directly, so it works without JavaScript.
    Picker {
        kind: &'static str,
    },
}

#[derive(Clone, Debug)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    pub value: String,
    pub help: Option<String>,
    pub error: Option<String>,
    pub required: bool,
    pub placeholder: String,
    pub autocomplete: &'static str,
    /// Inline validation as the user leaves the field: a kind known to `/ui/validate/{kind}`
    /// (`id_number`, `phone`, `uscc`, `division_code`, `date`, `datetime`).
    pub validate: Option<&'static str>,
    /// For the area picker: the name of the chosen area, shown beside its code.
    pub chosen_label: String,
}

impl Field {
    pub fn new(name: impl Into<String>, label: impl Into<String>, kind: FieldKind) -> Self {
        Field {
            name: name.into(),
            label: label.into(),
            kind,
            value: String::new(),
            help: None,
            error: None,
            required: false,
            placeholder: String::new(),
            autocomplete: "off",
            validate: None,
            chosen_label: String::new(),
        }
    }

    pub fn text(name: impl Into<String>, label: impl Into<String>) -> Self {
        Self::new(name, label, FieldKind::Text)
    }

    pub fn select(
        name: impl Into<String>,
        label: impl Into<String>,
        options: Vec<SelectOption>,
    ) -> Self {
        Self::new(name, label, FieldKind::Select(options))
    }

    pub fn date(name: impl Into<String>, label: impl Into<String>) -> Self {
        let mut field = Self::new(name, label, FieldKind::Date);
        field.placeholder = "2020-03-10".into();
        field.validate = Some("date");
        field
    }

    pub fn datetime(name: impl Into<String>, label: impl Into<String>) -> Self {
        let mut field = Self::new(name, label, FieldKind::DateTime);
        field.placeholder = "2020-03-10 08:30".into();
        field.validate = Some("datetime");
        field
    }

    pub fn file(
        name: impl Into<String>,
        label: impl Into<String>,
        accept: impl Into<String>,
    ) -> Self {
        Self::new(
            name,
            label,
            FieldKind::File {
                accept: accept.into(),
            },
        )
    }

    /// A division code in the user's subtree, searched by name or code.
    pub fn area_picker(name: impl Into<String>, label: impl Into<String>) -> Self {
        Self::new(name, label, FieldKind::Picker { kind: "areas" })
    }

    pub fn picker(name: impl Into<String>, label: impl Into<String>, kind: &'static str) -> Self {
        Self::new(name, label, FieldKind::Picker { kind })
    }

    pub fn value(mut self, value: impl Into<String>) -> Self {
        self.value = value.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn error(mut self, error: impl Into<String>) -> Self {
        self.error = Some(error.into());
        self
    }

    /// Sets the error if `field` names this field.
    pub fn error_if(self, field: Option<&str>, message: &str) -> Self {
        if field == Some(self.name.as_str()) {
            self.error(message)
        } else {
            self
        }
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    pub fn placeholder(mut self, text: impl Into<String>) -> Self {
        self.placeholder = text.into();
        self
    }

    pub fn autocomplete(mut self, token: &'static str) -> Self {
        self.autocomplete = token;
        self
    }

    pub fn validate(mut self, kind: &'static str) -> Self {
        self.validate = Some(kind);
        self
    }

    pub fn chosen(mut self, label: impl Into<String>) -> Self {
        self.chosen_label = label.into();
        self
    }

    pub fn with_kind(mut self, kind: FieldKind) -> Self {
        self.kind = kind;
        self
    }

    // What the template asks.

    pub fn id(&self) -> String {
        format!("f-{}", self.name)
    }

    /// The `type` of an `<input>`.
    pub fn input_type(&self) -> &'static str {
        match self.kind {
            FieldKind::Number => "text",
            FieldKind::Password => "password",
            FieldKind::Search => "search",
            FieldKind::File { .. } => "file",
            _ => "text",
        }
    }

    pub fn inputmode(&self) -> &'static str {
        match self.kind {
            FieldKind::Number => "numeric",
            _ => "text",
        }
    }

    pub fn is_select(&self) -> bool {
        matches!(self.kind, FieldKind::Select(_))
    }

    pub fn is_textarea(&self) -> bool {
        self.kind == FieldKind::Textarea
    }

    pub fn is_file(&self) -> bool {
        matches!(self.kind, FieldKind::File { .. })
    }

    pub fn is_picker(&self) -> bool {
        matches!(self.kind, FieldKind::Picker { .. })
    }

    /// The picker's endpoint kind (`areas`, …).
    pub fn pick_kind(&self) -> &'static str {
        match self.kind {
            FieldKind::Picker { kind } => kind,
            _ => "",
        }
    }

    pub fn options(&self) -> &[SelectOption] {
        match &self.kind {
            FieldKind::Select(options) => options,
            _ => &[],
        }
    }

    pub fn accept(&self) -> &str {
        match &self.kind {
            FieldKind::File { accept } => accept,
            _ => "",
        }
    }

    /// `aria-describedby`: the help and the error, when present.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.help.is_some() {
            ids.push(format!("{}-help", self.id()));
        }
        ids.push(format!("{}-error", self.id()));
        ids.join(" ")
    }
}
