//! A household as stored, as shown (address masked, members through the person view), and as
//! submitted.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::registry::person::model::PersonView;

/// A row of `households` with its head's name and its number of members.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HouseholdRow {
    pub id: i64,
    pub head_person_id: i64,
    pub head_name: String,
    pub address: Option<String>,
    pub area_code: String,
    pub member_count: i64,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A household as every list, page and API response shows it: the address masked.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HouseholdView {
    pub id: i64,
    /// The person who heads the household (户主); always one of its members.
    pub head_person_id: i64,
    pub head_name: String,
    /// Masked after the township part.
    pub address: Option<String>,
    /// The village or grid the household belongs to.
    pub area_code: String,
    pub member_count: i64,
    /// The members, the head first, each as the person view (document numbers masked) with
    /// `household_relation`. Only in the answer about one household.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<PersonView>>,
    /// Send it back with a change: a stale version is refused.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

impl HouseholdView {
    pub fn from_row(row: HouseholdRow) -> Self {
        HouseholdView {
            id: row.id,
            head_person_id: row.head_person_id,
            head_name: row.head_name,
            address: row.address.as_deref().map(domain::mask::mask_address),
            area_code: row.area_code,
            member_count: row.member_count,
            members: None,
            version: row.version,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
            updated_by: row.updated_by,
        }
    }
}

/// A person to add to a household, with their relation to the head.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct MemberInput {
    pub person_id: i64,
    /// `spouse`, `child`, `parent`, `sibling`, `grandchild`, `other`, or the Chinese name
    /// (`配偶`, `子女`, …). The head is named by `head_person_id`, not here.
    pub relation: String,
}

/// What a client submits to register a household.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct HouseholdInput {
    /// The registered person who heads the household.
    pub head_person_id: i64,
    pub address: String,
    /// Village or grid code.
    pub area_code: String,
    /// The other members.
    #[serde(default)]
    pub members: Vec<MemberInput>,
    /// Take people who are in another household out of it (without it, that is refused).
    #[serde(default, rename = "move")]
    pub move_members: bool,
}

/// Changes to a household; absent fields stay as they are.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct HouseholdPatch {
    /// The `version` the client read; a newer one in the database refuses the change (409).
    pub version: i32,
    pub address: Option<String>,
    pub area_code: Option<String>,
    /// A member who becomes the head.
    pub head_person_id: Option<i64>,
    /// The former head's relation to the new head (default `other`).
    pub former_head_relation: Option<String>,
}

/// A person to add to a household (or a member whose relation changes).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct AddMember {
    pub person_id: i64,
    /// `spouse`, `child`, … or the Chinese name; not `head` (change the head with a PATCH).
    pub relation: String,
    /// Take the person out of another household they are in (without it, that is refused).
    #[serde(default, rename = "move")]
    pub move_member: bool,
    /// The household's `version` the client read; when sent, a newer one refuses the change.
    pub version: Option<i32>,
}
