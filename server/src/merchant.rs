//! What only the merchant knows about its catalog: stock, limits, digital delivery, release
//! dates (`inventory.json` beside the feed files), joined with the feed into [`Offers`].

use std::collections::HashMap;
use std::path::Path;

use buycard_acp::feed::Product;
use serde::Deserialize;

use crate::catalog::CatalogError;
use crate::pricing::{Offer, Offers};

#[derive(Debug, Deserialize)]
pub struct Inventory {
    pub merchant_id: String,
    /// ISO 3166-1 alpha-2: shipping inside it is domestic.
    pub country: String,
    #[serde(default)]
    pub variants: HashMap<String, VariantStock>,
}

#[derive(Debug, Default, Deserialize)]
pub struct VariantStock {
    /// Units on hand; absent means not stock-tracked.
    pub stock: Option<i64>,
    #[serde(default)]
    pub digital: bool,
    pub max_quantity_per_order: Option<u32>,
    pub fulfillable_on: Option<String>,
}

impl Inventory {
    pub fn load(dir: &Path) -> Result<Self, CatalogError> {
        let path = dir.join("inventory.json");
        let text = std::fs::read_to_string(&path).map_err(|source| CatalogError::Read {
            path: path.clone(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| CatalogError::Metadata { path, source })
    }

    /// Stock rows to seed on first start.
    pub fn stock(&self) -> Vec<(String, i64)> {
        self.variants
            .iter()
            .filter_map(|(id, v)| v.stock.map(|n| (id.clone(), n)))
            .collect()
    }
}

/// Every variant of the feed that has a price, as an offer.
pub fn offers(products: &[Product], inventory: &Inventory) -> Offers {
    let mut offers = HashMap::new();
    let none = VariantStock::default();
    for product in products {
        let image = product
            .media
            .iter()
            .flatten()
            .find(|m| m.kind == "image")
            .map(|m| m.url.clone());
        for variant in &product.variants {
            let Some(price) = &variant.price else {
                continue;
            };
            let extra = inventory.variants.get(&variant.id).unwrap_or(&none);
            let name = match (&product.title, product.variants.len()) {
                (Some(title), 1) => title.clone(),
                _ => variant.title.clone(),
            };
            let discontinued = variant
                .availability
                .as_ref()
                .and_then(|a| a.status.as_deref())
                == Some("discontinued");
            offers.insert(
                variant.id.clone(),
                Offer {
                    variant_id: variant.id.clone(),
                    product_id: product.id.clone(),
                    name,
                    image: image.clone(),
                    unit_amount: i64::try_from(price.amount).unwrap_or(i64::MAX),
                    currency: price.currency.to_ascii_lowercase(),
                    digital: extra.digital,
                    max_quantity_per_order: extra.max_quantity_per_order,
                    fulfillable_on: extra.fulfillable_on.clone(),
                    buyable: !discontinued,
                },
            );
        }
    }
    offers
}
