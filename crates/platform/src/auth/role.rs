//! The fixed role names every issue uses.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform: users, units, areas.
    Admin,
    /// District leaders and the command office.
    Commander,
    /// A department of the district (卫健, 工信, …).
    Department,
    /// A township or sub-district.
    Township,
    /// A village or residents' community.
    Village,
    /// A grid worker.
    Grid,
    /// Checkpoint staff.
    Checkpoint,
    /// Inspectors.
    Inspector,
    /// An enterprise, for its own records.
    Enterprise,
    /// Reads the audit log, nothing else.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::Admin,
        Role::Commander,
        Role::Department,
        Role::Township,
        Role::Village,
        Role::Grid,
        Role::Checkpoint,
        Role::Inspector,
        Role::Enterprise,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Commander => "commander",
            Role::Department => "department",
            Role::Township => "township",
            Role::Village => "village",
            Role::Grid => "grid",
            Role::Checkpoint => "checkpoint",
            Role::Inspector => "inspector",
            Role::Enterprise => "enterprise",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    /// Catalog key of the role's name.
    pub fn label_key(self) -> String {
        format!("role.{}", self.as_str())
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_back_from_its_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }
}
