//! Registering households and changing who belongs to them: validation, scope, the one-household
//! rule, the head rules, versions, and the audit entries, in one transaction per change.

use chrono::{DateTime, Utc};
use domain::{AreaLevel, DivisionCode, HouseholdRelation};
use serde_json::{Value, json};

use super::RECORD_KIND;
use super::model::{AddMember, HouseholdInput, HouseholdPatch, HouseholdRow, HouseholdView};
use super::repo;
use crate::audit::{self, Actor, Event};
use crate::auth::CurrentUser;
use crate::db::{Db, Tx};
use crate::error::{AppError, AppResult};
use crate::registry::person;

/// The household `id` if it lies in the user's area; 404 otherwise, as if it did not exist.
pub async fn get_scoped(db: &Db, user: &CurrentUser, id: i64) -> AppResult<HouseholdRow> {
    let row = repo::get(db, id).await?.ok_or_else(AppError::not_found)?;
    user.require_record_area(&row.area_code)?;
    Ok(row)
}

/// The household `id` with its members (masked person views, the head first).
pub async fn detail(db: &Db, user: &CurrentUser, id: i64) -> AppResult<HouseholdView> {
    let row = get_scoped(db, user, id).await?;
    let members = person::repo::members_of(db, id).await?;
    let mut view = HouseholdView::from_row(row);
    view.members = Some(person::service::views(db, members).await?);
    Ok(view)
}

fn valid_address(address: &str) -> AppResult<String> {
    let address = address.trim();
    if address.is_empty() || address.chars().count() > 200 {
        return Err(AppError::invalid("household.bad_address").on_field("address"));
    }
    Ok(address.to_string())
}

/// A village or grid in the user's area that exists.
async fn valid_area(db: &Db, user: &CurrentUser, code: &str) -> AppResult<DivisionCode> {
    let area = DivisionCode::parse(code).map_err(|e| AppError::from(e).on_field("area_code"))?;
    if !matches!(area.level(), AreaLevel::Village | AreaLevel::Grid) {
        return Err(AppError::invalid("household.area_not_village").on_field("area_code"));
    }
    if !user.covers(&area) {
        return Err(AppError::forbidden());
    }
    if crate::areas::repo::get(db, area.as_str()).await?.is_none() {
        return Err(AppError::invalid("user.unknown_area").on_field("area_code"));
    }
    Ok(area)
}

/// A member's relation: any but the head's, who is named on its own.
fn member_relation(text: &str, field: &str) -> AppResult<HouseholdRelation> {
    let relation = HouseholdRelation::parse(text).map_err(|e| AppError::from(e).on_field(field))?;
    if relation == HouseholdRelation::Head {
        return Err(AppError::invalid("household.second_head").on_field(field));
    }
    Ok(relation)
}

/// The household as its audit entries record it: masked, with members as ids and relations.
async fn snapshot(tx: &mut Tx, id: i64) -> AppResult<Value> {
    let row = repo::get_in(tx, id)
        .await?
        .ok_or_else(AppError::not_found)?;
    let members: Vec<Value> = repo::member_relations_in(tx, id)
        .await?
        .into_iter()
        .map(|(person_id, relation)| json!({"person_id": person_id, "relation": relation}))
        .collect();
    let mut value = serde_json::to_value(HouseholdView::from_row(row)).unwrap_or_default();
    value["members"] = Value::Array(members);
    Ok(value)
}

/// One write's context: who, when, and the entries it owes other households.
struct Change<'a> {
    actor: &'a Actor,
    user: &'a CurrentUser,
    at: DateTime<Utc>,
    /// Entries for households that lost a member to this one.
    others: Vec<Event>,
}

impl Change<'_> {
    /// Puts `person_id` in `household` as `relation`: a person of the user's area, not merged,
    /// not in another household unless `move_member`, never the head of another.
    async fn claim(
        &mut self,
        tx: &mut Tx,
        household: i64,
        person_id: i64,
        relation: HouseholdRelation,
        move_member: bool,
        field: &str,
    ) -> AppResult<()> {
        let person = person::repo::get_in(tx, person_id)
            .await?
            .filter(|p| self.user.require_record_area(&p.area_code).is_ok())
            .ok_or_else(|| {
                AppError::invalid("household.unknown_person")
                    .on_field(field)
                    .with_arg("id", person_id.to_string())
            })?;
        if person.merged_into.is_some() {
            return Err(AppError::invalid("household.person_merged")
                .on_field(field)
                .with_arg("name", person.name.clone()));
        }
        if let Some(other) = person.household_id.filter(|h| *h != household) {
            let other_row = repo::get_in(tx, other)
                .await?
                .ok_or_else(|| AppError::internal("a person's household is missing"))?;
            if other_row.head_person_id == person_id {
                return Err(AppError::conflict("household.person_heads_other")
                    .on_field(field)
                    .with_arg("name", person.name.clone())
                    .with_arg("household", other.to_string()));
            }
            if !move_member {
                return Err(AppError::conflict("household.person_in_other_household")
                    .on_field(field)
                    .with_arg("name", person.name.clone())
                    .with_arg("household", other.to_string())
                    .with_arg("head", other_row.head_name.clone()));
            }
            repo::touch(tx, other, None, self.at, &self.actor.name).await?;
            self.others.push(
                Event::new("registry.household.member_remove")
                    .record(RECORD_KIND, other)
                    .area(&other_row.area_code)
                    .before(json!({"person_id": person_id, "relation": person.household_relation}))
                    .after(json!({"moved_to": household})),
            );
        }
        if !repo::set_member(
            tx,
            person_id,
            Some(household),
            Some(relation.as_str()),
            person.household_id,
        )
        .await?
        {
            return Err(AppError::conflict("household.changed_meanwhile"));
        }
        Ok(())
    }

    /// Appends the entries owed to other households, then `event`.
    async fn audit(self, tx: &mut Tx, event: Event) -> AppResult<()> {
        for other in self.others {
            audit::append(tx, self.actor, other).await?;
        }
        audit::append(tx, self.actor, event).await?;
        Ok(())
    }
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    input: &HouseholdInput,
) -> AppResult<HouseholdView> {
    let address = valid_address(&input.address)?;
    let area = valid_area(db, user, &input.area_code).await?;
    let mut members = Vec::with_capacity(input.members.len());
    let mut seen = vec![input.head_person_id];
    for member in &input.members {
        let relation = member_relation(&member.relation, "members")?;
        if seen.contains(&member.person_id) {
            return Err(AppError::invalid("household.duplicate_member")
                .on_field("members")
                .with_arg("id", member.person_id.to_string()));
        }
        seen.push(member.person_id);
        members.push((member.person_id, relation));
    }
    let mut change = Change {
        actor,
        user,
        at: Utc::now(),
        others: Vec::new(),
    };
    let mut tx = db.begin().await?;
    // The head must be a person of the area before the household can point at them.
    person::repo::get_in(&mut tx, input.head_person_id)
        .await?
        .filter(|p| user.require_record_area(&p.area_code).is_ok())
        .ok_or_else(|| {
            AppError::invalid("household.unknown_person")
                .on_field("head_person_id")
                .with_arg("id", input.head_person_id.to_string())
        })?;
    let id = repo::insert(
        &mut tx,
        input.head_person_id,
        &address,
        area.as_str(),
        change.at,
        &actor.name,
    )
    .await?;
    change
        .claim(
            &mut tx,
            id,
            input.head_person_id,
            HouseholdRelation::Head,
            input.move_members,
            "head_person_id",
        )
        .await?;
    for (person_id, relation) in members {
        change
            .claim(
                &mut tx,
                id,
                person_id,
                relation,
                input.move_members,
                "members",
            )
            .await?;
    }
    let after = snapshot(&mut tx, id).await?;
    let event = Event::new("registry.household.create")
        .record(RECORD_KIND, id)
        .area(area.as_str())
        .after(after);
    change.audit(&mut tx, event).await?;
    tx.commit().await?;
    detail(db, user, id).await
}

pub async fn update(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    patch: &HouseholdPatch,
) -> AppResult<HouseholdView> {
    let before_row = get_scoped(db, user, id).await?;
    let address = match &patch.address {
        Some(a) => Some(valid_address(a)?),
        None => before_row.address.clone(),
    };
    let area = match &patch.area_code {
        Some(code) => valid_area(db, user, code).await?.as_str().to_string(),
        None => before_row.area_code.clone(),
    };
    let former_relation = match &patch.former_head_relation {
        Some(r) => member_relation(r, "former_head_relation")?,
        None => HouseholdRelation::Other,
    };
    let new_head = patch
        .head_person_id
        .filter(|h| *h != before_row.head_person_id);
    let at = Utc::now();
    let mut tx = db.begin().await?;
    let before = snapshot(&mut tx, id).await?;
    if let Some(head) = new_head {
        let member = person::repo::get_in(&mut tx, head).await?;
        if member.and_then(|p| p.household_id) != Some(id) {
            return Err(AppError::invalid("household.head_not_member").on_field("head_person_id"));
        }
    }
    let head = new_head.unwrap_or(before_row.head_person_id);
    if !repo::update(
        &mut tx,
        id,
        patch.version,
        head,
        address.as_deref(),
        &area,
        at,
        &actor.name,
    )
    .await?
    {
        return Err(AppError::conflict("household.stale_version").on_field("version"));
    }
    if let Some(head) = new_head {
        let moved = repo::set_member(
            &mut tx,
            before_row.head_person_id,
            Some(id),
            Some(former_relation.as_str()),
            Some(id),
        )
        .await?
            && repo::set_member(
                &mut tx,
                head,
                Some(id),
                Some(HouseholdRelation::Head.as_str()),
                Some(id),
            )
            .await?;
        if !moved {
            return Err(AppError::conflict("household.changed_meanwhile"));
        }
    }
    let after = snapshot(&mut tx, id).await?;
    let event = Event::new("registry.household.update")
        .record(RECORD_KIND, id)
        .area(&area)
        .before(before)
        .after(after);
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    detail(db, user, id).await
}

/// Adds a person to the household (moving them from another with `move`), or changes a
/// member's relation.
pub async fn add_member(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    request: &AddMember,
) -> AppResult<HouseholdView> {
    let household = get_scoped(db, user, id).await?;
    let relation = member_relation(&request.relation, "relation")?;
    if request.person_id == household.head_person_id {
        return Err(AppError::invalid("household.head_relation_fixed").on_field("relation"));
    }
    let mut change = Change {
        actor,
        user,
        at: Utc::now(),
        others: Vec::new(),
    };
    let mut tx = db.begin().await?;
    if !repo::touch(&mut tx, id, request.version, change.at, &actor.name).await? {
        return Err(AppError::conflict("household.stale_version").on_field("version"));
    }
    let before = person::repo::get_in(&mut tx, request.person_id)
        .await?
        .map(|p| json!({"person_id": p.id, "household_id": p.household_id, "relation": p.household_relation}));
    change
        .claim(
            &mut tx,
            id,
            request.person_id,
            relation,
            request.move_member,
            "person_id",
        )
        .await?;
    let event = Event::new("registry.household.member_add")
        .record(RECORD_KIND, id)
        .area(&household.area_code)
        .before(before.unwrap_or_default())
        .after(json!({"person_id": request.person_id, "relation": relation.as_str()}));
    change.audit(&mut tx, event).await?;
    tx.commit().await?;
    detail(db, user, id).await
}

/// Takes a member out of the household; never the head.
pub async fn remove_member(
    db: &Db,
    actor: &Actor,
    user: &CurrentUser,
    id: i64,
    person_id: i64,
    version: Option<i32>,
) -> AppResult<HouseholdView> {
    let household = get_scoped(db, user, id).await?;
    if person_id == household.head_person_id {
        return Err(AppError::conflict("household.cannot_remove_head").on_field("person_id"));
    }
    let at = Utc::now();
    let mut tx = db.begin().await?;
    let member = person::repo::get_in(&mut tx, person_id)
        .await?
        .filter(|p| p.household_id == Some(id))
        .ok_or_else(AppError::not_found)?;
    if !repo::touch(&mut tx, id, version, at, &actor.name).await? {
        return Err(AppError::conflict("household.stale_version").on_field("version"));
    }
    if !repo::set_member(&mut tx, person_id, None, None, Some(id)).await? {
        return Err(AppError::conflict("household.changed_meanwhile"));
    }
    let event = Event::new("registry.household.member_remove")
        .record(RECORD_KIND, id)
        .area(&household.area_code)
        .before(json!({"person_id": person_id, "relation": member.household_relation}));
    audit::append(&mut tx, actor, event).await?;
    tx.commit().await?;
    detail(db, user, id).await
}
