//! The UI kit: one documented way to build each component every page uses. Handlers describe a
//! component as data (these types) and templates render it with the partials in
//! `templates/kit/`, so every module's tables, forms, badges and figures look and behave alike.
//!
//! | component | type | partial |
//! |---|---|---|
//! | page header with area breadcrumbs | `Page::with_crumbs` | `layout/base.html` |
//! | form field (label, help, error, required mark; text, number, date, date-time, select, textarea, password, file, picker of areas and records) | `Field` | `kit/field.html` |
//! | data table (keyset pages, sort, filters, sticky header, row actions, export, empty and loading states) | `Table` | `kit/table.html` |
//! | status badge (tone and text, never colour alone) | `Badge` | `kit/badge.html` |
//! | figure card with trend | `FigureCard` | `kit/figure.html` |
//! | toast / flash message | `Page::flash` (from `?flash=`), `Toast` header for htmx | `layout/base.html` |
//! | confirm dialog for destructive actions | `RowAction::confirm` / `data-confirm` | `assets/js/tongxin.js` |
//! | file upload with progress | `Field::file` inside an `hx-encoding="multipart/form-data"` form | `kit/field.html` |

mod badge;
mod field;
mod figure;
mod table;

pub use badge::{Badge, Tone};
pub use field::{Field, FieldKind, SelectOption};
pub use figure::{FigureCard, Trend};
pub use table::{Cell, Column, RowAction, Table, parse_sort};
