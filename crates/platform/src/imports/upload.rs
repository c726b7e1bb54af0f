//! An import as a browser or a client sends it: multipart `file`, `mode`, `area`.

use super::{Mode, Outcome, SheetImport, Target};
use crate::audit::Actor;
use crate::auth::CurrentUser;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;

pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
    pub mode: String,
    pub area: String,
}

impl Upload {
    pub async fn read(mut form: axum::extract::Multipart) -> AppResult<Upload> {
        let bad = |_| AppError::bad_request("error.bad_request");
        let mut upload = Upload {
            name: "upload".into(),
            bytes: Vec::new(),
            mode: String::new(),
            area: String::new(),
        };
        while let Some(field) = form.next_field().await.map_err(bad)? {
            match field.name().unwrap_or("") {
                "file" => {
                    upload.name = field.file_name().unwrap_or("upload").to_string();
                    upload.bytes = field.bytes().await.map_err(bad)?.to_vec();
                }
                "mode" => upload.mode = field.text().await.unwrap_or_default(),
                "area" => upload.area = field.text().await.unwrap_or_default(),
                _ => {}
            }
        }
        Ok(upload)
    }

    /// Imports into the caller's area: rows outside it are rejected.
    pub async fn import(
        self,
        importer: &dyn SheetImport,
        db: &Db,
        actor: &Actor,
        tr: &Tr,
        user: &CurrentUser,
    ) -> AppResult<Outcome> {
        if self.bytes.is_empty() {
            return Err(AppError::invalid("import.no_file").on_field("file"));
        }
        let mode = Mode::parse(&self.mode)
            .ok_or_else(|| AppError::invalid("import.bad_mode").on_field("mode"))?;
        let default_area = match self.area.trim() {
            "" => None,
            code => Some(crate::areas::api::scoped_code(user, code, "area")?),
        };
        let table = crate::tabular::open_bytes(&self.name, self.bytes).map_err(|p| {
            AppError::invalid("import.file_problem").with_arg("problem", p.message(tr))
        })?;
        let target = Target {
            scope: Some(user.area.clone()),
            default_area,
        };
        importer
            .run(db, actor, tr, table, mode, &target, &self.name)
            .await
    }
}
