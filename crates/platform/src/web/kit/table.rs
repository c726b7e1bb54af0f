//! Data tables. A `Table` carries its columns, rows of cells, the current sort and filters and
//! the keyset cursor of the next page; `templates/kit/table.html` renders the sticky header with
//! sort links, the rows with their actions, the empty and loading states, the export buttons and
//! the pager. Filters re-fetch the page and htmx swaps just the table (`hx-select`), so the same
//! URL works with and without JavaScript.

use super::badge::Badge;

#[derive(Clone, Debug)]
pub struct Column {
    /// The `sort=` value; also names the column for tests.
    pub key: &'static str,
    pub label: String,
    pub sortable: bool,
    pub numeric: bool,
}

impl Column {
    pub fn new(key: &'static str, label: impl Into<String>) -> Self {
        Column {
            key,
            label: label.into(),
            sortable: false,
            numeric: false,
        }
    }

    pub fn sortable(mut self) -> Self {
        self.sortable = true;
        self
    }

    pub fn numeric(mut self) -> Self {
        self.numeric = true;
        self
    }
}

/// A row action: a link, or a button posting a form (with a confirm dialog when destructive).
#[derive(Clone, Debug)]
pub struct RowAction {
    pub label: String,
    pub href: String,
    pub post: bool,
    /// The question asked before a destructive action.
    pub confirm: Option<String>,
}

impl RowAction {
    pub fn link(label: impl Into<String>, href: impl Into<String>) -> Self {
        RowAction {
            label: label.into(),
            href: href.into(),
            post: false,
            confirm: None,
        }
    }

    pub fn post(label: impl Into<String>, href: impl Into<String>) -> Self {
        RowAction {
            label: label.into(),
            href: href.into(),
            post: true,
            confirm: None,
        }
    }

    pub fn confirm(mut self, question: impl Into<String>) -> Self {
        self.confirm = Some(question.into());
        self
    }
}

#[derive(Clone, Debug)]
pub enum Cell {
    Text(String),
    /// Identifiers and codes, in a monospace face.
    Code(String),
    Num(String),
    Link {
        href: String,
        text: String,
    },
    Badge(Badge),
    Actions(Vec<RowAction>),
    Empty,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Cell::Text(text.into())
    }

    pub fn link(href: impl Into<String>, text: impl Into<String>) -> Self {
        Cell::Link {
            href: href.into(),
            text: text.into(),
        }
    }

    // What the template asks.

    pub fn kind(&self) -> &'static str {
        match self {
            Cell::Text(_) => "text",
            Cell::Code(_) => "code",
            Cell::Num(_) => "num",
            Cell::Link { .. } => "link",
            Cell::Badge(_) => "badge",
            Cell::Actions(_) => "actions",
            Cell::Empty => "empty",
        }
    }

    pub fn content(&self) -> &str {
        match self {
            Cell::Text(t) | Cell::Code(t) | Cell::Num(t) | Cell::Link { text: t, .. } => t,
            Cell::Badge(b) => &b.text,
            Cell::Actions(_) | Cell::Empty => "",
        }
    }

    pub fn href(&self) -> &str {
        match self {
            Cell::Link { href, .. } => href,
            _ => "",
        }
    }

    pub fn badge(&self) -> Option<&Badge> {
        match self {
            Cell::Badge(b) => Some(b),
            _ => None,
        }
    }

    pub fn actions(&self) -> &[RowAction] {
        match self {
            Cell::Actions(a) => a,
            _ => &[],
        }
    }
}

#[derive(Clone, Debug)]
pub struct Table {
    /// Element id, the target htmx swaps.
    pub id: String,
    /// Read by screen readers.
    pub caption: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// The list's path, without query.
    pub base_href: String,
    /// The filters in force, kept on sort and page links.
    pub query: Vec<(String, String)>,
    /// Sorted by this column key, descending when true.
    pub sort: Option<(String, bool)>,
    pub next_cursor: Option<String>,
    pub empty_text: String,
    pub next_label: String,
    pub loading_label: String,
    /// (label, href) of export buttons.
    pub exports: Vec<(String, String)>,
    /// Fields of the filter form above the table; empty for none.
    pub filters: Vec<super::Field>,
    pub search_label: String,
    pub clear_label: String,
}

impl Table {
    pub fn new(
        id: impl Into<String>,
        caption: impl Into<String>,
        base_href: impl Into<String>,
    ) -> Self {
        Table {
            id: id.into(),
            caption: caption.into(),
            columns: Vec::new(),
            rows: Vec::new(),
            base_href: base_href.into(),
            query: Vec::new(),
            sort: None,
            next_cursor: None,
            empty_text: String::new(),
            next_label: "下一页".into(),
            loading_label: "加载中…".into(),
            exports: Vec::new(),
            filters: Vec::new(),
            search_label: "查询".into(),
            clear_label: "清除".into(),
        }
    }

    /// Labels from the request's catalog.
    pub fn labels(mut self, tr: &crate::i18n::Tr) -> Self {
        self.next_label = tr.t("action.next_page").to_string();
        self.loading_label = tr.t("state.loading").to_string();
        self.empty_text = tr.t("state.empty").to_string();
        self.search_label = tr.t("action.search").to_string();
        self.clear_label = tr.t("action.clear").to_string();
        self
    }

    /// Export buttons for `base/xlsx` and `base/csv`, carrying the list's filters (its `query`,
    /// without the page's cursor): set `query` first.
    pub fn export_to(&mut self, base: &str, xlsx_label: &str, csv_label: &str) {
        let filters: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                self.query
                    .iter()
                    .filter(|(k, v)| !v.is_empty() && k != "cursor"),
            )
            .finish();
        self.exports = vec![
            (xlsx_label.to_string(), format!("{base}/xlsx?{filters}")),
            (csv_label.to_string(), format!("{base}/csv?{filters}")),
        ];
    }

    fn href_with(&self, extra: &[(&str, &str)], drop: &[&str]) -> String {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.query {
            if !drop.contains(&k.as_str()) && !v.is_empty() {
                serializer.append_pair(k, v);
            }
        }
        for (k, v) in extra {
            serializer.append_pair(k, v);
        }
        let query = serializer.finish();
        if query.is_empty() {
            self.base_href.clone()
        } else {
            format!("{}?{query}", self.base_href)
        }
    }

    /// The link on a column header: sorts by it, ascending first, then toggles. Paging restarts.
    pub fn sort_href(&self, column: &Column) -> String {
        let descending = matches!(&self.sort, Some((key, false)) if key == column.key);
        let value = if descending {
            format!("-{}", column.key)
        } else {
            column.key.to_string()
        };
        self.href_with(&[("sort", &value)], &["sort", "cursor"])
    }

    /// `aria-sort` of a column header.
    pub fn sort_state(&self, column: &Column) -> &'static str {
        match &self.sort {
            Some((key, desc)) if key == column.key => {
                if *desc {
                    "descending"
                } else {
                    "ascending"
                }
            }
            _ => "none",
        }
    }

    pub fn next_href(&self) -> Option<String> {
        let cursor = self.next_cursor.as_deref()?;
        let sort = self
            .sort
            .as_ref()
            .map(|(k, d)| if *d { format!("-{k}") } else { k.clone() });
        let mut extra: Vec<(&str, &str)> = vec![("cursor", cursor)];
        if let Some(sort) = &sort {
            extra.push(("sort", sort));
        }
        Some(self.href_with(&extra, &["cursor", "sort"]))
    }

    pub fn is_numeric(&self, index: &usize) -> bool {
        self.columns.get(*index).is_some_and(|c| c.numeric)
    }
}

/// Parses `sort=key` / `sort=-key` against the columns that may be sorted.
pub fn parse_sort(text: Option<&str>, allowed: &[&str]) -> Option<(String, bool)> {
    let text = text?.trim();
    let (key, desc) = match text.strip_prefix('-') {
        Some(k) => (k, true),
        None => (text, false),
    };
    allowed.contains(&key).then(|| (key.to_string(), desc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        let mut t = Table::new("t", "caption", "/list");
        t.columns = vec![
            Column::new("name", "名称").sortable(),
            Column::new("code", "代码"),
        ];
        t.query = vec![("q".into(), "东风".into()), ("cursor".into(), "abc".into())];
        t
    }

    #[test]
    fn sort_links_keep_filters_restart_paging_and_toggle() {
        let mut t = table();
        let name = t.columns[0].clone();
        assert_eq!(t.sort_href(&name), "/list?q=%E4%B8%9C%E9%A3%8E&sort=name");
        t.sort = Some(("name".into(), false));
        assert_eq!(t.sort_href(&name), "/list?q=%E4%B8%9C%E9%A3%8E&sort=-name");
        assert_eq!(t.sort_state(&name), "ascending");
        t.next_cursor = Some("xyz".into());
        assert_eq!(
            t.next_href().unwrap(),
            "/list?q=%E4%B8%9C%E9%A3%8E&cursor=xyz&sort=name"
        );
    }

    #[test]
    fn only_allowed_columns_sort() {
        assert_eq!(
            parse_sort(Some("-name"), &["name"]),
            Some(("name".into(), true))
        );
        assert_eq!(parse_sort(Some("password"), &["name"]), None);
    }
}
