//! The buy card's view model: what a card shows for one product, derived from the feed.
//!
//! Everything that comes from the feed or the host page is untrusted. This module decides what is
//! shown (safe URLs only, bounded text, reserved image size, price and list price) so the view has
//! nothing left to judge.

use super::listing::{Media, Product, Variant};
use thiserror::Error;

use super::availability::Availability;
use super::catalog::{Catalog, FeedError};
use super::i18n::Msg;
use super::money::Money;
use super::url::safe_http_url;

/// Longest title shown, in characters; longer ones are cut with an ellipsis (CSS also clamps
/// lines, this bounds the DOM).
pub const MAX_TITLE_CHARS: usize = 160;
/// Image box used when the feed gives no usable size: square.
pub const DEFAULT_IMAGE_SIZE: (u32, u32) = (600, 600);
const MAX_IMAGE_SIDE: u32 = 8192;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub url: String,
    pub alt: String,
    /// Intrinsic size, used for the `width`/`height` attributes so the box is reserved before the
    /// image arrives (no layout shift).
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardModel {
    pub product_id: String,
    pub variant_id: String,
    pub title: String,
    pub image: Option<Image>,
    pub price: Option<Money>,
    /// Shown struck through: only when it is in the same currency and higher than `price`.
    pub list_price: Option<Money>,
    pub availability: Availability,
    /// Product page, only if it is an http(s) URL.
    pub url: Option<String>,
    pub seller: Option<String>,
    /// The product's variants, when there are several to choose from (size, edition, …).
    pub choices: Vec<VariantChoice>,
    /// What the variants differ by, in the feed's words ("Size", "Format", "Size / Colour"):
    /// the picker's label. `None` when the variants name no options, or not the same ones.
    pub option_name: Option<String>,
}

/// One entry of the variant picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantChoice {
    pub id: String,
    /// The variant's options ("M", "VIP", "Hardcover"), or its title.
    pub label: String,
    /// Sold-out variants are listed but cannot be chosen.
    pub buyable: bool,
}

/// Why a card cannot show its product.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardError {
    #[error("missing attribute `{0}`")]
    MissingAttribute(&'static str),
    #[error("`endpoint` is not an http(s) URL or a path")]
    BadEndpoint,
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error("product `{0}` is not in the feed")]
    ProductNotFound(String),
    #[error("variant `{0}` is not in the product")]
    VariantNotFound(String),
    #[error("product `{0}` is malformed: {1}")]
    InvalidProduct(String, String),
}

impl CardError {
    /// The words a reader sees.
    pub fn message(&self) -> Msg {
        match self {
            CardError::MissingAttribute(name) => Msg::ErrMissingAttribute(name),
            CardError::BadEndpoint => Msg::ErrBadEndpoint,
            CardError::Feed(FeedError::NotFound | FeedError::Unavailable) => {
                Msg::ErrFeedUnavailable
            }
            CardError::Feed(FeedError::Http(status)) => Msg::ErrHttp(*status),
            CardError::Feed(FeedError::Network(_)) => Msg::ErrNetwork,
            CardError::Feed(FeedError::Timeout) => Msg::ErrTimeout,
            CardError::Feed(FeedError::Parse(_)) => Msg::ErrUnreadableFeed,
            CardError::ProductNotFound(_) => Msg::ErrProductNotFound,
            CardError::VariantNotFound(_) => Msg::ErrVariantNotFound,
            CardError::InvalidProduct(..) => Msg::ErrInvalidProduct,
        }
    }

    /// Whether trying again may help (network trouble, server errors), so the card offers it.
    pub fn retryable(&self) -> bool {
        match self {
            CardError::Feed(FeedError::Network(_) | FeedError::Timeout) => true,
            CardError::Feed(FeedError::Http(status)) => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    /// Stable machine-readable code (`data-error` on the host element, later event payloads).
    pub fn code(&self) -> &'static str {
        match self {
            CardError::MissingAttribute(_) => "missing_attribute",
            CardError::BadEndpoint => "bad_endpoint",
            CardError::Feed(FeedError::NotFound) => "feed_not_found",
            CardError::Feed(FeedError::Unavailable) => "feed_unavailable",
            CardError::Feed(FeedError::Http(_)) => "feed_http_error",
            CardError::Feed(FeedError::Network(_)) => "network",
            CardError::Feed(FeedError::Timeout) => "timeout",
            CardError::Feed(FeedError::Parse(_)) => "feed_unreadable",
            CardError::ProductNotFound(_) => "product_not_found",
            CardError::VariantNotFound(_) => "variant_not_found",
            CardError::InvalidProduct(..) => "invalid_product",
        }
    }
}

impl CardModel {
    /// The card for `product_id` (and `variant_id`, or the product's first buyable variant).
    pub fn from_catalog(
        catalog: &Catalog,
        product_id: &str,
        variant_id: Option<&str>,
    ) -> Result<Self, CardError> {
        let product = match catalog.get(product_id) {
            None => return Err(CardError::ProductNotFound(product_id.to_owned())),
            Some(Err(why)) => {
                return Err(CardError::InvalidProduct(
                    product_id.to_owned(),
                    why.clone(),
                ));
            }
            Some(Ok(product)) => product,
        };
        Self::from_product(product, variant_id)
    }

    pub fn from_product(product: &Product, variant_id: Option<&str>) -> Result<Self, CardError> {
        let variant = pick_variant(product, variant_id)?;
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
            .filter(|list| {
                price.is_some_and(|price| {
                    list.currency == price.currency && list.minor > price.minor
                })
            });
        let image = first_image(variant.media.as_deref())
            .or_else(|| first_image(product.media.as_deref()))
            .map(|media| image(media, &title));
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
        let choices = if product.variants.len() > 1 {
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
                    buyable: Availability::from_acp(v.availability.as_ref()).is_buyable(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let option_name = (!choices.is_empty())
            .then(|| option_name(&product.variants))
            .flatten();
        Ok(Self {
            choices,
            option_name,
            product_id: product.id.clone(),
            variant_id: variant.id.clone(),
            title,
            image,
            price,
            list_price,
            availability: Availability::from_acp(variant.availability.as_ref()),
            url,
            seller,
        })
    }
}

/// The option names every variant shares, in order ("Size / Colour"), if they all name the same.
fn option_name(variants: &[Variant]) -> Option<String> {
    let names = |v: &Variant| -> Vec<String> {
        v.variant_options
            .iter()
            .flatten()
            .map(|o| o.name.trim().to_owned())
            .collect()
    };
    let first = names(variants.first()?);
    let shared = !first.is_empty()
        && first.iter().all(|n| !n.is_empty())
        && variants.iter().all(|v| names(v) == first);
    shared.then(|| bounded(&first.join(" / ")))
}

fn pick_variant<'p>(product: &'p Product, wanted: Option<&str>) -> Result<&'p Variant, CardError> {
    if let Some(wanted) = wanted {
        return product
            .variants
            .iter()
            .find(|v| v.id == wanted)
            .ok_or_else(|| CardError::VariantNotFound(wanted.to_owned()));
    }
    let buyable = |v: &&Variant| Availability::from_acp(v.availability.as_ref()).is_buyable();
    product
        .variants
        .iter()
        .find(buyable)
        .or_else(|| product.variants.first())
        .ok_or_else(|| CardError::InvalidProduct(product.id.clone(), "no variants".to_owned()))
}

fn first_image(media: Option<&[Media]>) -> Option<&Media> {
    media?
        .iter()
        .find(|m| m.kind == "image" && safe_http_url(&m.url).is_some())
}

fn image(media: &Media, title: &str) -> Image {
    let usable = |side: Option<u32>| side.filter(|s| (1..=MAX_IMAGE_SIDE).contains(s));
    let (width, height) = match (usable(media.width), usable(media.height)) {
        (Some(w), Some(h)) => (w, h),
        _ => DEFAULT_IMAGE_SIZE,
    };
    let alt = media
        .alt_text
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(bounded)
        .unwrap_or_else(|| title.to_owned());
    Image {
        url: safe_http_url(&media.url).unwrap_or_default().to_owned(),
        alt,
        width,
        height,
    }
}

fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_TITLE_CHARS) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(json: &str) -> Product {
        serde_json::from_str(json).expect("test product")
    }

    const TEE: &str = r#"{
        "id": "tee", "title": "Classic Tee", "url": "https://shop.example/tee",
        "media": [{"type": "image", "url": "https://cdn.example/tee.jpg", "width": 800, "height": 1000}],
        "variants": [
            {"id": "tee-s", "title": "Tee S", "price": {"amount": 1999, "currency": "USD"},
             "list_price": {"amount": 2499, "currency": "USD"},
             "availability": {"available": false, "status": "out_of_stock"}},
            {"id": "tee-m", "title": "Tee M", "price": {"amount": 1999, "currency": "USD"},
             "list_price": {"amount": 1999, "currency": "USD"},
             "availability": {"available": true, "status": "limited_stock"},
             "seller": {"name": "  Example Merchant "}}
        ]}"#;

    #[test]
    fn picks_the_first_buyable_variant_by_default() {
        let card = CardModel::from_product(&product(TEE), None).expect("card");
        assert_eq!(card.variant_id, "tee-m");
        assert_eq!(card.availability, Availability::LimitedStock);
        assert_eq!(card.title, "Classic Tee");
        assert_eq!(card.seller.as_deref(), Some("Example Merchant"));
        assert_eq!(
            card.list_price, None,
            "an equal list price is not a discount"
        );
        let image = card.image.expect("product image");
        assert_eq!((image.width, image.height), (800, 1000));
        assert_eq!(image.alt, "Classic Tee", "alt falls back on the title");
    }

    #[test]
    fn several_variants_become_choices() {
        let card = CardModel::from_product(&product(TEE), None).expect("card");
        let choices: Vec<(&str, bool)> = card
            .choices
            .iter()
            .map(|c| (c.label.as_str(), c.buyable))
            .collect();
        assert_eq!(
            choices,
            [("Tee S", false), ("Tee M", true)],
            "titles when there are no options"
        );
        let single = r#"{"id":"p","variants":[{"id":"v","title":"V","variant_options":[{"name":"Size","value":"M"}]}]}"#;
        assert!(
            CardModel::from_product(&product(single), None)
                .expect("card")
                .choices
                .is_empty()
        );
        let options = r#"{"id":"p","variants":[
            {"id":"a","title":"A","variant_options":[{"name":"Size","value":"M"},{"name":"Colour","value":"Blue"}]},
            {"id":"b","title":"B","variant_options":[{"name":"Size","value":"L"}]}]}"#;
        let labels: Vec<String> = CardModel::from_product(&product(options), None)
            .expect("card")
            .choices
            .into_iter()
            .map(|c| c.label)
            .collect();
        assert_eq!(labels, ["M / Blue", "L"]);
        assert_eq!(
            CardModel::from_product(&product(options), None)
                .expect("card")
                .option_name,
            None,
            "variants that differ by different options have no one name"
        );
        let sizes = r#"{"id":"p","variants":[
            {"id":"a","title":"A","variant_options":[{"name":"Size","value":"M"},{"name":"Colour","value":"Blue"}]},
            {"id":"b","title":"B","variant_options":[{"name":" Size ","value":"L"},{"name":"Colour","value":"Red"}]}]}"#;
        assert_eq!(
            CardModel::from_product(&product(sizes), None)
                .expect("card")
                .option_name
                .as_deref(),
            Some("Size / Colour"),
            "the picker is labelled with the feed's option names"
        );
        assert_eq!(
            CardModel::from_product(&product(TEE), None)
                .expect("card")
                .option_name,
            None,
            "no options, no name: the picker falls back on a generic label"
        );
    }

    #[test]
    fn explicit_variant_and_struck_list_price() {
        let card = CardModel::from_product(&product(TEE), Some("tee-s")).expect("card");
        assert_eq!(card.availability, Availability::OutOfStock);
        assert_eq!(card.price.map(|p| p.minor), Some(1999));
        assert_eq!(card.list_price.map(|p| p.minor), Some(2499));
        assert_eq!(
            CardModel::from_product(&product(TEE), Some("nope")),
            Err(CardError::VariantNotFound("nope".into()))
        );
    }

    #[test]
    fn hostile_product_renders_safely() {
        let long = "A".repeat(10_000);
        let hostile = format!(
            r#"{{"id": "x", "title": "<script>alert(1)</script>{long}", "url": "javascript:alert(1)",
            "media": [{{"type": "image", "url": "javascript:alert(1)"}},
                      {{"type": "image", "url": "https://cdn.example/x.png", "width": 4000000000, "height": 0,
                        "alt_text": "<img onerror=alert(1)>"}}],
            "variants": [{{"id": "x1", "title": "X", "url": "data:text/html,hi",
                "price": {{"amount": 18446744073709551615, "currency": "usd"}},
                "list_price": {{"amount": 1, "currency": "EUR"}}}}]}}"#
        );
        let card = CardModel::from_product(&product(&hostile), None).expect("card");
        assert_eq!(card.url, None, "no javascript: or data: link");
        assert_eq!(card.price, None, "a lower-case currency is not ISO 4217");
        assert_eq!(card.list_price, None);
        assert!(card.title.chars().count() <= MAX_TITLE_CHARS + 1);
        assert!(
            card.title.starts_with("<script>"),
            "kept as text; the view escapes it"
        );
        let image = card.image.expect("the safe image is used");
        assert_eq!(image.url, "https://cdn.example/x.png");
        assert_eq!((image.width, image.height), DEFAULT_IMAGE_SIZE);
    }

    #[test]
    fn catalog_errors_map_to_card_errors() {
        let catalog = Catalog::parse(
            r#"{"products":[{"id":"empty","variants":[]},{"id":"broken","variants":"no"}]}"#,
        )
        .expect("feed");
        assert!(matches!(
            CardModel::from_catalog(&catalog, "missing", None),
            Err(CardError::ProductNotFound(_))
        ));
        assert!(matches!(
            CardModel::from_catalog(&catalog, "empty", None),
            Err(CardError::InvalidProduct(..))
        ));
        assert!(matches!(
            CardModel::from_catalog(&catalog, "broken", None),
            Err(CardError::InvalidProduct(..))
        ));
    }

    #[test]
    fn errors_have_words_codes_and_retry_policy() {
        let network = CardError::Feed(FeedError::Network("offline".into()));
        assert!(network.retryable());
        assert_eq!(network.message(), Msg::ErrNetwork);
        assert!(CardError::Feed(FeedError::Http(503)).retryable());
        assert!(!CardError::Feed(FeedError::Http(403)).retryable());
        assert!(!CardError::ProductNotFound("p".into()).retryable());
        assert_eq!(
            CardError::MissingAttribute("feed").code(),
            "missing_attribute"
        );
    }

    #[test]
    fn a_feed_missing_or_hidden_by_cors_is_not_called_a_network_failure() {
        use super::super::i18n::Lang;
        let missing = CardError::Feed(FeedError::NotFound);
        let hidden = CardError::Feed(FeedError::Unavailable);
        for error in [&missing, &hidden] {
            assert_eq!(
                error.message().text(Lang::En),
                "This shop’s products are not available here."
            );
            assert_eq!(
                error.message().text(Lang::Fr),
                "Les produits de cette boutique ne sont pas disponibles ici."
            );
            assert_ne!(error.message(), Msg::ErrNetwork);
            assert!(!error.retryable(), "it would fail the same way again");
        }
        assert_eq!(missing.code(), "feed_not_found");
        assert_eq!(hidden.code(), "feed_unavailable");
    }
}
