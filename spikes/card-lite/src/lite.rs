//! The spike's read model: the feed fields a card shows, nothing else (unknown fields skipped by
//! serde without being kept), products parsed one by one so a bad one spoils only its cards.

use std::collections::HashMap;

use buycard_acp::feed::{Availability as AcpAvailability, Price};
use serde::Deserialize;
#[cfg(not(feature = "js-json"))]
use serde_json::value::RawValue;

use crate::availability::Availability;
use crate::i18n::Msg;
use crate::money::Money;
use crate::url::safe_http_url;

const MAX_TITLE_CHARS: usize = 160;
const MAX_IMAGE_SIDE: u32 = 8192;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedError {
    NotFound,
    Http(u16),
    Network(String),
    Parse(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardError {
    MissingAttribute(&'static str),
    BadEndpoint,
    Feed(FeedError),
    ProductNotFound,
    VariantNotFound,
    InvalidProduct,
}

impl From<FeedError> for CardError {
    fn from(e: FeedError) -> Self {
        Self::Feed(e)
    }
}

impl CardError {
    pub fn message(&self) -> Msg {
        match self {
            Self::MissingAttribute(name) => Msg::ErrMissingAttribute(name),
            Self::BadEndpoint => Msg::ErrBadEndpoint,
            Self::Feed(FeedError::NotFound) => Msg::ErrFeedUnavailable,
            Self::Feed(FeedError::Http(status)) => Msg::ErrHttp(*status),
            Self::Feed(FeedError::Network(_)) => Msg::ErrNetwork,
            Self::Feed(FeedError::Parse(_)) => Msg::ErrUnreadableFeed,
            Self::ProductNotFound => Msg::ErrProductNotFound,
            Self::VariantNotFound => Msg::ErrVariantNotFound,
            Self::InvalidProduct => Msg::ErrInvalidProduct,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingAttribute(_) => "missing_attribute",
            Self::BadEndpoint => "bad_endpoint",
            Self::Feed(FeedError::NotFound) => "feed_not_found",
            Self::Feed(FeedError::Http(_)) => "feed_http_error",
            Self::Feed(FeedError::Network(_)) => "network",
            Self::Feed(FeedError::Parse(_)) => "feed_unreadable",
            Self::ProductNotFound => "product_not_found",
            Self::VariantNotFound => "variant_not_found",
            Self::InvalidProduct => "invalid_product",
        }
    }
}

#[derive(Deserialize)]
struct Media {
    #[serde(rename = "type")]
    kind: String,
    url: String,
    alt_text: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
}

#[derive(Deserialize)]
struct Opt {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct Seller {
    name: Option<String>,
}

#[derive(Deserialize)]
struct Variant {
    id: String,
    title: String,
    url: Option<String>,
    price: Option<Price>,
    list_price: Option<Price>,
    availability: Option<AcpAvailability>,
    variant_options: Option<Vec<Opt>>,
    media: Option<Vec<Media>>,
    seller: Option<Seller>,
}

#[derive(Deserialize)]
struct Product {
    title: Option<String>,
    url: Option<String>,
    media: Option<Vec<Media>>,
    variants: Vec<Variant>,
}

#[derive(Deserialize)]
struct Id<'a> {
    #[serde(borrow)]
    id: Option<&'a str>,
}

#[derive(Default)]
pub struct Catalog {
    entries: HashMap<String, Result<Product, ()>>,
}

#[cfg(not(feature = "js-json"))]
impl Catalog {
    pub fn parse(body: &str) -> Result<Self, FeedError> {
        #[derive(Deserialize)]
        struct Loose<'a> {
            #[serde(borrow)]
            products: Vec<&'a RawValue>,
        }
        let loose: Loose =
            serde_json::from_str(body).map_err(|_| FeedError::Parse(String::new()))?;
        let mut catalog = Catalog::default();
        for raw in loose.products {
            let Some(id) = serde_json::from_str::<Id>(raw.get())
                .ok()
                .and_then(|i| i.id)
            else {
                continue;
            };
            if !catalog.entries.contains_key(id) {
                let entry = serde_json::from_str::<Product>(raw.get()).map_err(drop);
                catalog.entries.insert(id.to_owned(), entry);
            }
        }
        Ok(catalog)
    }
}

/// `JSON.parse` in the browser, then only the fields the card reads, by hand (no JSON parser
/// and no derived deserialisers in the wasm). Amounts above 2^53 are refused (not exact in JS).
#[cfg(feature = "js-json")]
impl Catalog {
    pub fn parse(body: &str) -> Result<Self, FeedError> {
        use js_sys::Array;
        let value = js_sys::JSON::parse(body).map_err(|_| FeedError::Parse(String::new()))?;
        let products = js::get(&value, "products");
        if !Array::is_array(&products) {
            return Err(FeedError::Parse(String::new()));
        }
        let mut catalog = Catalog::default();
        for p in Array::from(&products).iter() {
            let Some(id) = js::string(&p, "id") else {
                continue;
            };
            if !catalog.entries.contains_key(&id) {
                let entry = js::product(&p);
                catalog.entries.insert(id, entry);
            }
        }
        Ok(catalog)
    }
}

#[cfg(feature = "js-json")]
mod js {
    use js_sys::Array;
    use wasm_bindgen::JsValue;

    use super::{AcpAvailability, Media, Opt, Price, Product, Seller, Variant};

    pub fn get(v: &JsValue, key: &str) -> JsValue {
        js_sys::Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }
    pub fn string(v: &JsValue, key: &str) -> Option<String> {
        get(v, key).as_string()
    }
    fn number(v: &JsValue, key: &str) -> Option<f64> {
        get(v, key).as_f64()
    }
    fn object(v: &JsValue, key: &str) -> Option<JsValue> {
        let o = get(v, key);
        o.is_object().then_some(o)
    }
    fn list(v: &JsValue, key: &str) -> Option<Vec<JsValue>> {
        let a = get(v, key);
        Array::is_array(&a).then(|| Array::from(&a).to_vec())
    }
    fn whole(n: f64) -> Option<u64> {
        (n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0).then_some(n as u64)
    }
    fn price(v: &JsValue, key: &str) -> Option<Price> {
        let p = object(v, key)?;
        Some(Price {
            amount: whole(number(&p, "amount")?)?,
            currency: string(&p, "currency")?,
        })
    }
    fn media(m: &JsValue) -> Option<Media> {
        let side = |k| {
            number(m, k)
                .and_then(whole)
                .and_then(|n| u32::try_from(n).ok())
        };
        Some(Media {
            kind: string(m, "type")?,
            url: string(m, "url")?,
            alt_text: string(m, "alt_text"),
            width: side("width"),
            height: side("height"),
        })
    }
    fn medias(v: &JsValue) -> Option<Vec<Media>> {
        list(v, "media").map(|l| l.iter().filter_map(media).collect())
    }
    fn variant(v: &JsValue) -> Option<Variant> {
        Some(Variant {
            id: string(v, "id")?,
            title: string(v, "title")?,
            url: string(v, "url"),
            price: price(v, "price"),
            list_price: price(v, "list_price"),
            availability: object(v, "availability").map(|a| AcpAvailability {
                available: get(&a, "available").as_bool(),
                status: string(&a, "status"),
            }),
            variant_options: list(v, "variant_options").map(|l| {
                l.iter()
                    .filter_map(|o| {
                        Some(Opt {
                            name: string(o, "name")?,
                            value: string(o, "value")?,
                        })
                    })
                    .collect()
            }),
            media: medias(v),
            seller: object(v, "seller").map(|s| Seller {
                name: string(&s, "name"),
            }),
        })
    }
    pub fn product(p: &JsValue) -> Result<Product, ()> {
        let variants = list(p, "variants").ok_or(())?;
        Ok(Product {
            title: string(p, "title"),
            url: string(p, "url"),
            media: medias(p),
            variants: variants
                .iter()
                .map(variant)
                .collect::<Option<_>>()
                .ok_or(())?,
        })
    }
}

pub struct Image {
    pub url: String,
    pub alt: String,
    pub width: u32,
    pub height: u32,
}

pub struct VariantChoice {
    pub id: String,
    pub label: String,
    pub buyable: bool,
}

pub struct CardModel {
    pub product_id: String,
    pub variant_id: String,
    pub title: String,
    pub image: Option<Image>,
    pub price: Option<Money>,
    pub list_price: Option<Money>,
    pub availability: Availability,
    pub url: Option<String>,
    pub seller: Option<String>,
    pub choices: Vec<VariantChoice>,
    pub option_name: Option<String>,
}

fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_TITLE_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
    }
}

fn first_image(media: Option<&[Media]>) -> Option<&Media> {
    media?
        .iter()
        .find(|m| m.kind == "image" && safe_http_url(&m.url).is_some())
}

impl CardModel {
    pub fn from_catalog(
        catalog: &Catalog,
        id: &str,
        wanted: Option<&str>,
    ) -> Result<Self, CardError> {
        let product = match catalog.entries.get(id) {
            None => return Err(CardError::ProductNotFound),
            Some(Err(())) => return Err(CardError::InvalidProduct),
            Some(Ok(p)) => p,
        };
        let buyable = |v: &Variant| Availability::from_acp(v.availability.as_ref()).is_buyable();
        let variant = match wanted {
            Some(w) => product
                .variants
                .iter()
                .find(|v| v.id == w)
                .ok_or(CardError::VariantNotFound)?,
            None => product
                .variants
                .iter()
                .find(|v| buyable(v))
                .or_else(|| product.variants.first())
                .ok_or(CardError::InvalidProduct)?,
        };
        let title = [product.title.as_deref(), Some(variant.title.as_str())]
            .into_iter()
            .flatten()
            .map(str::trim)
            .find(|t| !t.is_empty())
            .map(bounded)
            .unwrap_or_default();
        let price = variant.price.as_ref().and_then(|p| Money::from_acp(p).ok());
        let list_price = variant
            .list_price
            .as_ref()
            .and_then(|p| Money::from_acp(p).ok())
            .filter(|l| price.is_some_and(|p| l.currency == p.currency && l.minor > p.minor));
        let image = first_image(variant.media.as_deref())
            .or_else(|| first_image(product.media.as_deref()))
            .map(|m| {
                let ok = |s: Option<u32>| s.filter(|s| (1..=MAX_IMAGE_SIDE).contains(s));
                let (width, height) = match (ok(m.width), ok(m.height)) {
                    (Some(w), Some(h)) => (w, h),
                    _ => (600, 600),
                };
                Image {
                    url: safe_http_url(&m.url).unwrap_or_default().to_owned(),
                    alt: m
                        .alt_text
                        .as_deref()
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .map(bounded)
                        .unwrap_or_else(|| title.clone()),
                    width,
                    height,
                }
            });
        let url = [variant.url.as_deref(), product.url.as_deref()]
            .into_iter()
            .flatten()
            .find_map(safe_http_url)
            .map(str::to_owned);
        let seller = variant
            .seller
            .as_ref()
            .and_then(|s| s.name.as_deref())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(bounded);
        let names = |v: &Variant| -> Vec<String> {
            v.variant_options
                .iter()
                .flatten()
                .map(|o| o.name.trim().to_owned())
                .collect()
        };
        let choices: Vec<VariantChoice> = if product.variants.len() > 1 {
            product
                .variants
                .iter()
                .map(|v| VariantChoice {
                    id: v.id.clone(),
                    label: v
                        .variant_options
                        .as_ref()
                        .filter(|o| !o.is_empty())
                        .map(|o| {
                            o.iter()
                                .map(|o| o.value.trim())
                                .collect::<Vec<_>>()
                                .join(" / ")
                        })
                        .unwrap_or_else(|| v.title.clone())
                        .chars()
                        .take(MAX_TITLE_CHARS)
                        .collect(),
                    buyable: buyable(v),
                })
                .collect()
        } else {
            Vec::new()
        };
        let option_name = (!choices.is_empty())
            .then(|| {
                let first = names(product.variants.first()?);
                let shared = !first.is_empty()
                    && first.iter().all(|n| !n.is_empty())
                    && product.variants.iter().all(|v| names(v) == first);
                shared.then(|| bounded(&first.join(" / ")))
            })
            .flatten();
        Ok(Self {
            product_id: id.to_owned(),
            variant_id: variant.id.clone(),
            title,
            image,
            price,
            list_price,
            availability: Availability::from_acp(variant.availability.as_ref()),
            url,
            seller,
            choices,
            option_name,
        })
    }
}
