//! Computed values: worked out from the case's values whenever they change, and stored with
//! them, so that every answer, list, rule and export has them.

use rust_decimal::Decimal;

use super::groups::{item_count, item_key};
use super::*;
use crate::definitions::{Computation, FieldKind};
use crate::formats::{format_decimal, parse_decimal};

impl Form<'_> {
    /// Sets every computed value of the form from `values`; one without what it needs (no
    /// item with a number, a factor missing) is absent.
    pub fn compute(&self, values: &mut FieldValues) {
        let computed: Vec<&Field> =
            self.fields.iter().map(|f| f.field).filter(|f| f.kind == FieldKind::Computed).collect();
        // One value may be computed from another (checked: never from itself), so as many
        // rounds as there are computed values reach every chain's end.
        for _ in 0..computed.len() {
            for field in &computed {
                match field.computed.as_ref().and_then(|c| self.evaluate(c, values)) {
                    Some(n) => values.insert(field.id.clone(), format_decimal(n)),
                    None => values.remove(&field.id),
                };
            }
        }
    }

    fn evaluate(&self, computation: &Computation, values: &FieldValues) -> Option<Decimal> {
        let number =
            |id: &str, decimals: u32| values.get(id).and_then(|v| parse_decimal(v, decimals));
        let decimals = |id: &str| self.field(id).map_or(0, |f| places(f.field));
        match computation {
            Computation::Count { group } => Some(item_count(values, group).into()),
            Computation::Sum { group, item } | Computation::Max { group, item } => {
                let item_field = self
                    .field(group)?
                    .field
                    .group
                    .as_ref()?
                    .items
                    .iter()
                    .find(|i| &i.id == item)?;
                let numbers = (1..=item_count(values, group))
                    .filter_map(|n| number(&item_key(group, n, item), item_field.decimals));
                if matches!(computation, Computation::Sum { .. }) {
                    numbers.reduce(|a, b| a.checked_add(b).unwrap_or(a))
                } else {
                    numbers.max()
                }
            }
            Computation::Product(a, b) => {
                number(a, decimals(a))?.checked_mul(number(b, decimals(b))?)
            }
        }
    }
}

/// How many decimals a number or computed value's text may have.
fn places(field: &Field) -> u32 {
    match field.kind {
        FieldKind::Computed => 28,
        _ => field.decimals,
    }
}
