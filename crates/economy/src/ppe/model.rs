//! PPE producers (防疫物资): products, a producer's daily capacity per product, daily output,
//! and the district's daily demand; the day's supply picture per product.

use chrono::NaiveDate;
use platform::error::{AppError, AppResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Masks (只), disinfectant (千克), protective clothing (套).
pub const PRODUCTS: [&str; 3] = ["masks", "disinfectant", "protective_clothing"];

/// The largest daily quantity accepted.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

pub fn product(text: &str, field: &str) -> AppResult<&'static str> {
    PRODUCTS
        .iter()
        .find(|p| **p == text.trim())
        .copied()
        .ok_or_else(|| AppError::invalid("ppe.bad_product").on_field(field))
}

pub fn quantity(value: i64, field: &str) -> AppResult<i64> {
    if (0..=MAX_QUANTITY).contains(&value) {
        Ok(value)
    } else {
        Err(AppError::invalid("ppe.bad_quantity").on_field(field))
    }
}

/// One product line of a producer.
#[derive(Clone, Debug, Deserialize, Serialize, ToSchema)]
pub struct Line {
    pub product: String,
    pub daily_capacity: i64,
}

/// A producer's lines, as sent: it replaces the producer's lines (an empty list: no longer a
/// producer).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct ProducerInput {
    pub lines: Vec<Line>,
}

/// A day's output of one product.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct OutputInput {
    pub enterprise_id: i64,
    pub product: String,
    /// `YYYY-MM-DD`; today (Beijing) when absent. Never in the future.
    pub date: Option<String>,
    pub quantity: i64,
}

/// The district's daily demand of a product.
#[derive(Clone, Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct DemandInput {
    pub product: String,
    pub daily_demand: i64,
}

/// A producer and product on a day.
#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct ProducerLine {
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub area_code: String,
    pub product: String,
    pub daily_capacity: i64,
    /// The day's reported output; null when not reported.
    pub output: Option<i64>,
}

/// A product's supply on a day over an area.
#[derive(Clone, Debug, Default, Serialize, ToSchema, PartialEq)]
pub struct Supply {
    pub product: String,
    pub producers: i64,
    pub capacity: i64,
    pub output: i64,
    /// The district's daily demand; null when none is set.
    pub demand: Option<i64>,
    /// Demand − output, never below 0; null without a demand.
    pub shortfall: Option<i64>,
    /// Capacity − output, never below 0: what the producers could still make.
    pub spare_capacity: i64,
}

/// The day's supply picture.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SupplyView {
    pub area: String,
    pub date: NaiveDate,
    pub products: Vec<Supply>,
    pub producers: Vec<ProducerLine>,
}

/// Sums `lines` into one `Supply` per product, with the demand per product.
pub fn supply(lines: &[ProducerLine], demand: &[(String, i64)]) -> Vec<Supply> {
    PRODUCTS
        .iter()
        .map(|p| {
            let mine: Vec<&ProducerLine> = lines.iter().filter(|l| l.product == *p).collect();
            let capacity = mine.iter().map(|l| l.daily_capacity).sum();
            let output = mine.iter().map(|l| l.output.unwrap_or(0)).sum();
            let demand = demand.iter().find(|(d, _)| d == p).map(|(_, v)| *v);
            Supply {
                product: p.to_string(),
                producers: mine.len() as i64,
                capacity,
                output,
                demand,
                shortfall: demand.map(|d: i64| (d - output).max(0)),
                spare_capacity: (capacity - output).max(0),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortfall_is_demand_less_output_and_never_negative() {
        let line = |product: &str, cap, out| ProducerLine {
            enterprise_id: 1,
            enterprise_name: String::new(),
            area_code: String::new(),
            product: product.into(),
            daily_capacity: cap,
            output: out,
        };
        let lines = [
            line("masks", 100, Some(80)),
            line("masks", 50, None),
            line("disinfectant", 10, Some(12)),
        ];
        let s = supply(&lines, &[("masks".into(), 200), ("disinfectant".into(), 5)]);
        assert_eq!(s[0].output, 80);
        assert_eq!(s[0].shortfall, Some(120));
        assert_eq!(s[0].spare_capacity, 70);
        assert_eq!(s[1].shortfall, Some(0));
        assert_eq!(s[1].spare_capacity, 0);
        assert_eq!(s[2].demand, None);
        assert_eq!(s[2].shortfall, None);
    }
}
