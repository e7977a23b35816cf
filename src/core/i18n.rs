//! Every user-visible string, in English and French.
//!
//! Strings are looked up by an enum, and `text` matches on every variant for every language, so a
//! message that exists in one language and not the other does not compile.

use super::availability::Availability;

/// The language of the card's words. Money and dates use the full locale tag (see [`Locale`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

/// A reader's locale: a sanitised BCP 47 tag for `Intl`, and the language for our own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale {
    tag: String,
    pub lang: Lang,
}

impl Locale {
    /// From the first usable tag among `candidates` (the `locale` attribute, the nearest `lang`,
    /// the browser's language): a tag is usable when it looks like BCP 47 (letters, digits and
    /// hyphens, starting with a 2–3 letter language). Falls back on `en`.
    pub fn negotiate<'a>(candidates: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        candidates
            .into_iter()
            .flatten()
            .find_map(Self::parse)
            .unwrap_or_else(|| Self {
                tag: "en".to_owned(),
                lang: Lang::En,
            })
    }

    fn parse(raw: &str) -> Option<Self> {
        let tag = raw.trim();
        let primary = tag.split(['-', '_']).next()?;
        let well_formed = tag.len() <= 35
            && (2..=3).contains(&primary.len())
            && primary.chars().all(|c| c.is_ascii_alphabetic())
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !well_formed {
            return None;
        }
        let lang = match primary.to_ascii_lowercase().as_str() {
            "fr" => Lang::Fr,
            _ => Lang::En,
        };
        Some(Self {
            tag: tag.replace('_', "-"),
            lang,
        })
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }
}

/// What a country calls its postal codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostalWord {
    /// The United States.
    Zip,
    /// The United Kingdom.
    Postcode,
    /// Everywhere else (Canada Post says "postal code" too).
    PostalCode,
}

/// A message the card can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    Loading,
    Availability(Availability),
    /// Screen-reader prefix for the struck-through list price.
    ListPrice,
    /// Screen-reader prefix for the current price.
    Price,
    PriceUnavailable,
    SoldBy,
    ImageUnavailable,
    Retry,
    ErrMissingAttribute(&'static str),
    ErrBadEndpoint,
    ErrProductNotFound,
    ErrVariantNotFound,
    ErrInvalidProduct,
    /// The feed is missing (404) or not served to this page (CORS).
    ErrFeedUnavailable,
    ErrNetwork,
    ErrTimeout,
    ErrHttp(u16),
    ErrUnreadableFeed,
    ErrCheckoutUnavailable,
    ErrCheckoutRefused,
    /// The shop answered 401/403: it takes orders only through the host site's checkout service.
    ErrNeedsCheckoutService,
    /// The host's wallet refused (the buyer signed out meanwhile).
    ErrWalletRefused,
    /// The session offers no payment handler.
    ErrNoPaymentHandler,
    /// The session is not ready for payment for a reason the card cannot fix.
    ErrCannotTakeOrder,
    ErrSessionClosed,
    ErrSoldOut,
    ErrQuantityLimit,
    ErrPaymentDeclined,
    ErrNeedsAuthentication,
    ErrCheckDetails,
    /// A shop that refuses the buyer's details (in the cart's confirmation).
    ErrDetailsRefused,
    /// A payment whose outcome is unknown could not be checked yet.
    ErrUnconfirmed,
    /// The payment never reached the merchant: no order, no charge.
    ErrNotCharged,
    /// "Try again" when it means looking at the order again.
    CheckAgain,
    /// The saved buyer's primary button, with the amount: "Pay $13.58".
    PayAmount,
    /// The sheet's button while the payment is sent.
    Paying,
    /// The sheet's button while the bank's step is shown.
    WaitingForBank,
    /// The bank's step: who asks.
    BankTitle,
    /// The bank's step: "Approve a payment of $13.58 to Lantern Press." (amount, merchant).
    BankAsks,
    /// The bank's step without a merchant name: "Approve a payment of $13.58."
    BankAsksAmount,
    BankApprove,
    BankFail,
    /// The test bank says it is one.
    BankTestNote,
    /// "Order LP-4F7K2Q".
    OrderNumber,
    /// Digital goods: "Sent to ada@example.com".
    SentTo,
    /// A pre-order's button.
    PreOrder,
    /// After the order: what was paid.
    Paid,
    /// A sold-out card's next step: the product's page.
    SeeProduct,
    /// The sheet's product line: "Sold by Lantern Press" is [`Msg::SoldBy`]; this labels the
    /// order summary for screen readers.
    OrderSummary,
    Buy,
    Confirm,
    Cancel,
    ConfirmTitle,
    Delivery,
    Tax,
    Total,
    PayWith,
    ShipTo,
    Placing,
    Placed,
    ViewOrder,
    SoldOut,
    DetailsUnavailable,
    CheckingOrder,
    /// Under "Checking your order…": why, and that nothing is charged twice.
    CheckingHint,
    /// The sheet's heading after a failure.
    NotPlacedTitle,
    /// The sheet's heading when a payment's outcome could not be checked.
    UnconfirmedTitle,
    YourDetails,
    Continue,
    Pay,
    SaveForNextTime,
    CardDetails,
    FieldEmail,
    FieldName,
    FieldCountry,
    FieldLineOne,
    /// The optional second address line.
    FieldLineTwo,
    FieldCity,
    /// "State or province", for a country without its own word.
    FieldState,
    FieldUsState,
    FieldProvince,
    FieldPostal(PostalWord),
    FieldCardNumber,
    FieldExpiry,
    FieldCvc,
    ErrFieldRequired,
    ErrFieldEmail,
    ErrFieldCountry,
    /// A postal code that does not fit the country: "Enter a ZIP code like 94103."
    ErrFieldPostal(PostalWord, &'static str),
    ErrFieldCardNumber,
    /// Fewer digits than the card's brand has.
    ErrFieldCardIncomplete,
    /// The card number field after the bank declined the card (the sheet also says so by Pay).
    ErrFieldCardDeclined,
    ErrFieldExpiry,
    ErrFieldExpired,
    ErrFieldCvc,
    /// American Express: four digits on the front.
    ErrFieldCvcFront,
    /// Other cards: three digits on the back.
    ErrFieldCvcBack,
    /// The expiry field's placeholder.
    ExpiryPlaceholder,
    ChooseVariant,
    SoldOutSuffix,
    ShipsFrom,
    PriceChanged,
    /// The banner's default accessible name.
    CarouselLabel,
    /// `aria-roledescription` of the banner and of its slides.
    CarouselRole,
    SlideRole,
    /// A slide's label: "3 of 12".
    SlideOf(usize, usize),
    /// The banner's position: "3 of 12", or "3–5 of 12" with several slides in view.
    Showing(usize, usize, usize),
    PreviousSlides,
    NextSlides,
    /// A dot: "Show product 3".
    ShowSlide(usize),
    PauseSlideShow,
    PlaySlideShow,
    OpensInNewTab,
    Close,
    NoProducts,
    ErrUnknownProducts,
    /// A card's second button.
    AddToCart,
    /// A card whose product is in the cart: "In your cart (2)" (units).
    InYourCart,
    /// Announced (and shown beside Undo) after an add.
    AddedToCart,
    Undo,
    /// Announced after an undo or a removal.
    Removed,
    /// The cart panel's heading.
    YourCart,
    /// The cart badge's accessible name: "Cart (2 items)", with the plural.
    CartItems(usize),
    CheckOut,
    /// Beside each shop's sum in the panel.
    EstimatedSubtotal,
    /// The panel's note: prices and stock are the merchant's to confirm.
    EstimatesUntilCheckout,
    /// A sold-out line's button.
    SoldOutRemove,
    /// A line whose price moved: "Price changed from {0} to {1}".
    PriceChangedFromTo,
    /// A line over the merchant's limit: "Quantity reduced to {0}, the most per order."
    QuantityReducedTo,
    /// The stepper's label.
    Quantity,
    IncreaseQuantity,
    DecreaseQuantity,
    Remove,
    CartEmpty,
    CartFull,
    /// The host asked to add something that cannot be a cart line.
    CartCannotAdd,
    CartUndoExpired,
    /// A shop whose lines are priced in several currencies.
    CartMixedCurrencies,
    /// The stored cart could not be read: the cart starts empty.
    CartUnreadable,
    /// Some stored lines could not be read and were left out.
    CartSomeUnreadable,
    /// The cart's confirmation sheet's heading.
    ConfirmOrdersTitle,
    /// While each shop's session is opened.
    OpeningCheckout,
    /// The grand total's label: "Total for 2 shops", with the plural.
    TotalForShops(usize),
    /// Under the cart's total: each shop is a charge of its own (n > 1).
    SeparateCharges(usize),
    /// While one shop is paid: "Paying Lantern Press…".
    PayingShop,
    /// "Checking your order with {0}…" (after a reload or a lost answer).
    CheckingWith,
    /// A placed shop in the report: "Placed with {0}".
    PlacedWith,
    /// A shop that failed: "Not placed with {0}: {1}" (the shop, the reason).
    NotPlacedWith,
    /// A shop that was not paid because an earlier one failed: "Not yet ordered from {0}".
    NotAttemptedWith,
    /// A shop whose session could not be opened, in the review: "{0} cannot take these items
    /// now: {1}".
    CannotOpenWith,
    /// In the report, under a shop that was not placed.
    NotCharged,
    /// The report's note: what was not ordered is still in the cart.
    LeftInCart,
    /// A placed shop's amount in the report: "Paid {0}".
    Charged,
    /// The host API's add, beside the cart's badge: "Added to your cart: {0}".
    AddedNamed,
    /// The panel's sum of every shop's estimated subtotal.
    EstimatedTotal,
    KeepInCart,
    RemoveFromCart,
    /// The report's heading when every shop placed its order.
    OrdersPlaced,
    /// The report's heading when some did and some did not.
    SomeOrdersPlaced,
    /// The report's heading when none did.
    OrdersNotPlaced,
    /// The review when nothing is left to pay.
    NothingToPay,
    /// The cart's details step: who gets the details, "{0}" the shops' names.
    DetailsForShops,
    /// The cart's confirmation: back to the details step.
    ChangeDetails,
}

impl Msg {
    /// The text with its `{0}`, `{1}`… replaced by `args` (amounts, names, references the
    /// caller has formatted).
    pub fn fill(self, lang: Lang, args: &[&str]) -> String {
        let template = self.text(lang);
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template.as_str();
        // One pass, so an argument's own braces are never taken for a placeholder.
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let arg = after
                .find('}')
                .and_then(|end| Some((after[..end].parse::<usize>().ok()?, end)))
                .and_then(|(i, end)| Some((args.get(i)?, end)));
            match arg {
                Some((arg, end)) => {
                    out.push_str(arg);
                    rest = &after[end + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    pub fn text(self, lang: Lang) -> String {
        use Availability as A;
        use Lang::{En, Fr};
        let s = match (self, lang) {
            (Msg::Loading, En) => "Loading product…",
            (Msg::Loading, Fr) => "Chargement du produit…",
            (Msg::Availability(A::InStock), En) => "In stock",
            (Msg::Availability(A::InStock), Fr) => "En stock",
            (Msg::Availability(A::LimitedStock), En) => "Only a few left",
            (Msg::Availability(A::LimitedStock), Fr) => "Plus que quelques exemplaires",
            (Msg::Availability(A::Preorder), En) => "Pre-order",
            (Msg::Availability(A::Preorder), Fr) => "En précommande",
            (Msg::Availability(A::Backorder), En) => "On backorder: ships when restocked",
            (Msg::Availability(A::Backorder), Fr) => "Sur commande : expédié dès le réassort",
            (Msg::Availability(A::OutOfStock), En) => "Sold out",
            (Msg::Availability(A::OutOfStock), Fr) => "Épuisé",
            (Msg::Availability(A::Discontinued), En) => "No longer available",
            (Msg::Availability(A::Discontinued), Fr) => "Plus disponible",
            (Msg::Availability(A::Unknown), _) => "",
            (Msg::ListPrice, En) => "Original price:",
            (Msg::ListPrice, Fr) => "Prix d’origine :",
            (Msg::Price, En) => "Price:",
            (Msg::Price, Fr) => "Prix :",
            (Msg::PriceUnavailable, En) => "Price not available",
            (Msg::PriceUnavailable, Fr) => "Prix non disponible",
            (Msg::SoldBy, En) => "Sold by",
            (Msg::SoldBy, Fr) => "Vendu par",
            (Msg::ImageUnavailable, En) => "Image unavailable",
            (Msg::ImageUnavailable, Fr) => "Image indisponible",
            (Msg::Retry, En) => "Try again",
            (Msg::Retry, Fr) => "Réessayer",
            (Msg::ErrMissingAttribute(name), En) => {
                return format!("This card is missing its “{name}” attribute.");
            }
            (Msg::ErrMissingAttribute(name), Fr) => {
                return format!("Il manque l’attribut « {name} » à cette carte.");
            }
            (Msg::ErrBadEndpoint, En) => "This card’s shop address is not a web address.",
            (Msg::ErrBadEndpoint, Fr) => {
                "L’adresse de la boutique de cette carte n’est pas une adresse web."
            }
            (Msg::ErrProductNotFound, En) => "This product is not in the shop’s catalog.",
            (Msg::ErrProductNotFound, Fr) => {
                "Ce produit ne figure pas au catalogue de la boutique."
            }
            (Msg::ErrVariantNotFound, En) => "This version of the product is not in the catalog.",
            (Msg::ErrVariantNotFound, Fr) => "Cette version du produit ne figure pas au catalogue.",
            (Msg::ErrInvalidProduct, En) => "This product’s details could not be read.",
            (Msg::ErrInvalidProduct, Fr) => "Les informations de ce produit sont illisibles.",
            (Msg::ErrFeedUnavailable, En) => "This shop’s products are not available here.",
            (Msg::ErrFeedUnavailable, Fr) => {
                "Les produits de cette boutique ne sont pas disponibles ici."
            }
            (Msg::ErrNetwork, En) => "The shop could not be reached. Check your connection.",
            (Msg::ErrNetwork, Fr) => "Impossible de joindre la boutique. Vérifiez votre connexion.",
            (Msg::ErrTimeout, En) => "The shop took too long to answer.",
            (Msg::ErrTimeout, Fr) => "La boutique a mis trop de temps à répondre.",
            (Msg::ErrHttp(status), En) => {
                return format!("The shop answered with an error (HTTP {status}).");
            }
            (Msg::ErrHttp(status), Fr) => {
                return format!("La boutique a répondu par une erreur (HTTP {status}).");
            }
            (Msg::ErrUnreadableFeed, En) => "The shop sent a catalog this card cannot read.",
            (Msg::ErrUnreadableFeed, Fr) => {
                "La boutique a envoyé un catalogue illisible pour cette carte."
            }
            (Msg::ErrCheckoutUnavailable, En) => {
                "The shop is not answering right now. Nothing was charged; try again in a moment."
            }
            (Msg::ErrCheckoutUnavailable, Fr) => {
                "La boutique ne répond pas pour le moment. Rien n’a été débité ; réessayez dans un instant."
            }
            (Msg::ErrCheckoutRefused, En) => {
                "This shop cannot take orders from this page right now."
            }
            (Msg::ErrCheckoutRefused, Fr) => {
                "Cette boutique ne peut pas prendre de commande depuis cette page pour le moment."
            }
            (Msg::ErrNeedsCheckoutService, En) => {
                "This shop must be reached through the site’s checkout service."
            }
            (Msg::ErrNeedsCheckoutService, Fr) => {
                "Cette boutique n’est joignable que par le service de paiement du site."
            }
            (Msg::ErrWalletRefused, En) => {
                "This site could not use your saved payment details. Sign in again, then try once more."
            }
            (Msg::ErrWalletRefused, Fr) => {
                "Ce site n’a pas pu utiliser vos moyens de paiement enregistrés. Reconnectez-vous, puis réessayez."
            }
            (Msg::ErrNoPaymentHandler, En) => {
                "This shop offers no way to pay from this card. Nothing was charged."
            }
            (Msg::ErrNoPaymentHandler, Fr) => {
                "Cette boutique ne propose aucun moyen de payer depuis cette carte. Rien n’a été débité."
            }
            (Msg::ErrCannotTakeOrder, En) => {
                "The shop cannot take this order as it stands. Nothing was charged."
            }
            (Msg::ErrCannotTakeOrder, Fr) => {
                "La boutique ne peut pas accepter cette commande en l’état. Rien n’a été débité."
            }
            (Msg::ErrSessionClosed, En) => "This checkout has ended. Start again to buy.",
            (Msg::ErrSessionClosed, Fr) => "Ce paiement est terminé. Recommencez pour acheter.",
            (Msg::ErrSoldOut, En) => {
                "The shop sold the last one while you were checking out. You were not charged."
            }
            (Msg::ErrSoldOut, Fr) => {
                "La boutique a vendu le dernier exemplaire pendant votre commande. Rien n’a été débité."
            }
            (Msg::ErrQuantityLimit, En) => "That is more than one order may contain.",
            (Msg::ErrQuantityLimit, Fr) => "C’est plus que ce qu’une commande peut contenir.",
            (Msg::ErrPaymentDeclined, En) => "Your card was declined. Try another card.",
            (Msg::ErrPaymentDeclined, Fr) => "Votre carte a été refusée. Essayez une autre carte.",
            (Msg::ErrNeedsAuthentication, En) => "Your bank needs to confirm this payment.",
            (Msg::ErrNeedsAuthentication, Fr) => "Votre banque doit confirmer ce paiement.",
            (Msg::ErrCheckDetails, En) => "Please check the highlighted details.",
            (Msg::ErrCheckDetails, Fr) => "Vérifiez les informations signalées.",
            (Msg::ErrDetailsRefused, En) => "It does not accept this address or contact.",
            (Msg::ErrDetailsRefused, Fr) => "Elle n’accepte pas cette adresse ou ce contact.",
            (Msg::ErrUnconfirmed, En) => {
                "We could not check whether your order went through. Check again before buying again."
            }
            (Msg::ErrUnconfirmed, Fr) => {
                "Impossible de vérifier si votre commande est passée. Vérifiez de nouveau avant de racheter."
            }
            (Msg::ErrNotCharged, En) => {
                "Your order was not placed and you were not charged. Try again."
            }
            (Msg::ErrNotCharged, Fr) => {
                "Votre commande n’est pas passée et rien n’a été débité. Réessayez."
            }
            (Msg::CheckAgain, En) => "Check again",
            (Msg::CheckAgain, Fr) => "Vérifier de nouveau",
            (Msg::PayAmount, En) => "Pay {0}",
            (Msg::PayAmount, Fr) => "Payer {0}",
            (Msg::Paying, En) => "Paying…",
            (Msg::Paying, Fr) => "Paiement…",
            (Msg::WaitingForBank, En) => "Waiting for your bank…",
            (Msg::WaitingForBank, Fr) => "En attente de votre banque…",
            (Msg::BankTitle, En) => "Your bank: confirm this payment",
            (Msg::BankTitle, Fr) => "Votre banque : confirmez ce paiement",
            (Msg::BankAsks, En) => "Approve a payment of {0} to {1}.",
            (Msg::BankAsks, Fr) => "Autorisez un paiement de {0} à {1}.",
            (Msg::BankAsksAmount, En) => "Approve a payment of {0}.",
            (Msg::BankAsksAmount, Fr) => "Autorisez un paiement de {0}.",
            (Msg::BankApprove, En) => "Approve",
            (Msg::BankApprove, Fr) => "Autoriser",
            (Msg::BankFail, En) => "Fail",
            (Msg::BankFail, Fr) => "Refuser",
            (Msg::BankTestNote, En) => "Test bank: choose what your bank answers.",
            (Msg::BankTestNote, Fr) => "Banque de test : choisissez la réponse de la banque.",
            (Msg::OrderNumber, En) => "Order {0}",
            (Msg::OrderNumber, Fr) => "Commande {0}",
            (Msg::SentTo, En) => "Sent to",
            (Msg::SentTo, Fr) => "Envoyé à",
            (Msg::Paid, En) => "Paid",
            (Msg::Paid, Fr) => "Payé",
            (Msg::PreOrder, En) => "Pre-order",
            (Msg::PreOrder, Fr) => "Précommander",
            (Msg::SeeProduct, En) => "See the product page",
            (Msg::SeeProduct, Fr) => "Voir la page du produit",
            (Msg::OrderSummary, En) => "Order summary",
            (Msg::OrderSummary, Fr) => "Récapitulatif de la commande",
            (Msg::Buy, En) => "Buy",
            (Msg::Buy, Fr) => "Acheter",
            (Msg::Confirm, En) => "Confirm",
            (Msg::Confirm, Fr) => "Confirmer",
            (Msg::Cancel, En) => "Cancel",
            (Msg::Cancel, Fr) => "Annuler",
            (Msg::ConfirmTitle, En) => "Confirm your order",
            (Msg::ConfirmTitle, Fr) => "Confirmez votre commande",
            (Msg::Delivery, En) => "Delivery",
            (Msg::Delivery, Fr) => "Livraison",
            (Msg::Tax, En) => "Tax",
            (Msg::Tax, Fr) => "Taxes",
            (Msg::Total, En) => "Total",
            (Msg::Total, Fr) => "Total",
            (Msg::PayWith, En) => "Pay with",
            (Msg::PayWith, Fr) => "Payer avec",
            (Msg::ShipTo, En) => "Ship to",
            (Msg::ShipTo, Fr) => "Livrer à",
            (Msg::Placing, En) => "Placing your order…",
            (Msg::Placing, Fr) => "Commande en cours…",
            (Msg::Placed, En) => "Thank you! Your order is placed.",
            (Msg::Placed, Fr) => "Merci ! Votre commande est passée.",
            (Msg::ViewOrder, En) => "View order",
            (Msg::ViewOrder, Fr) => "Voir la commande",
            (Msg::SoldOut, En) => "Sold out",
            (Msg::SoldOut, Fr) => "Épuisé",
            (Msg::DetailsUnavailable, En) => {
                "Sign in on this site with saved details to buy in one click."
            }
            (Msg::DetailsUnavailable, Fr) => {
                "Connectez-vous sur ce site avec vos informations enregistrées pour acheter en un clic."
            }
            (Msg::CheckingOrder, En) => "Checking your order…",
            (Msg::CheckingOrder, Fr) => "Vérification de votre commande…",
            (Msg::CheckingHint, En) => {
                "We are confirming your order with the shop. Keep this open: you will not be charged twice."
            }
            (Msg::CheckingHint, Fr) => {
                "Nous confirmons votre commande auprès de la boutique. Gardez cette fenêtre ouverte : vous ne serez débité qu’une fois."
            }
            (Msg::NotPlacedTitle, En) => "Your order is not placed",
            (Msg::NotPlacedTitle, Fr) => "Votre commande n’est pas passée",
            (Msg::UnconfirmedTitle, En) => "Is your order placed?",
            (Msg::UnconfirmedTitle, Fr) => "Votre commande est-elle passée ?",
            (Msg::YourDetails, En) => "Your details",
            (Msg::YourDetails, Fr) => "Vos coordonnées",
            (Msg::Continue, En) => "Continue",
            (Msg::Continue, Fr) => "Continuer",
            (Msg::Pay, En) => "Pay",
            (Msg::Pay, Fr) => "Payer",
            (Msg::SaveForNextTime, En) => "Save for one-click next time",
            (Msg::SaveForNextTime, Fr) => "Enregistrer pour acheter en un clic la prochaine fois",
            (Msg::CardDetails, En) => "Card",
            (Msg::CardDetails, Fr) => "Carte",
            (Msg::FieldEmail, En) => "Email",
            (Msg::FieldEmail, Fr) => "E-mail",
            (Msg::FieldName, En) => "Full name",
            (Msg::FieldName, Fr) => "Nom complet",
            (Msg::FieldCountry, En) => "Country",
            (Msg::FieldCountry, Fr) => "Pays",
            (Msg::FieldLineOne, En) => "Street address",
            (Msg::FieldLineOne, Fr) => "Adresse",
            (Msg::FieldLineTwo, En) => "Apartment, suite (optional)",
            (Msg::FieldLineTwo, Fr) => "Complément d’adresse (facultatif)",
            (Msg::FieldCity, En) => "City",
            (Msg::FieldCity, Fr) => "Ville",
            (Msg::FieldState, En) => "State or province",
            (Msg::FieldState, Fr) => "État ou province",
            (Msg::FieldUsState, En) => "State",
            (Msg::FieldUsState, Fr) => "État",
            (Msg::FieldProvince, _) => "Province",
            (Msg::FieldPostal(PostalWord::Zip), En) => "ZIP code",
            (Msg::FieldPostal(PostalWord::Zip), Fr) => "Code postal (ZIP)",
            (Msg::FieldPostal(PostalWord::Postcode), En) => "Postcode",
            (Msg::FieldPostal(PostalWord::PostalCode), En) => "Postal code",
            (Msg::FieldPostal(PostalWord::Postcode | PostalWord::PostalCode), Fr) => "Code postal",
            (Msg::FieldCardNumber, En) => "Card number",
            (Msg::FieldCardNumber, Fr) => "Numéro de carte",
            (Msg::FieldExpiry, En) => "Expiry (MM/YY)",
            (Msg::FieldExpiry, Fr) => "Expiration (MM/AA)",
            (Msg::FieldCvc, En) => "Security code",
            (Msg::FieldCvc, Fr) => "Code de sécurité",
            (Msg::ErrFieldRequired, En) => "Required.",
            (Msg::ErrFieldRequired, Fr) => "Obligatoire.",
            (Msg::ErrFieldEmail, En) => "Enter an email address like name@example.com.",
            (Msg::ErrFieldEmail, Fr) => "Saisissez une adresse e-mail du type nom@exemple.fr.",
            (Msg::ErrFieldCountry, En) => "Choose a country from the list.",
            (Msg::ErrFieldCountry, Fr) => "Choisissez un pays dans la liste.",
            (Msg::ErrFieldPostal(word, example), En) => {
                let word = match word {
                    PostalWord::Zip => "ZIP code",
                    PostalWord::Postcode => "postcode",
                    PostalWord::PostalCode => "postal code",
                };
                return format!("Enter a {word} like {example}.");
            }
            (Msg::ErrFieldPostal(word, example), Fr) => {
                // French says "code postal" for a ZIP code too.
                let (PostalWord::Zip | PostalWord::Postcode | PostalWord::PostalCode) = word;
                return format!("Saisissez un code postal du type {example}.");
            }
            (Msg::ErrFieldCardNumber, En) => "Check the card number.",
            (Msg::ErrFieldCardNumber, Fr) => "Vérifiez le numéro de carte.",
            (Msg::ErrFieldCardIncomplete, En) => "This card number is incomplete.",
            (Msg::ErrFieldCardIncomplete, Fr) => "Ce numéro de carte est incomplet.",
            (Msg::ErrFieldCardDeclined, En) => "This card was declined.",
            (Msg::ErrFieldCardDeclined, Fr) => "Cette carte a été refusée.",
            (Msg::ErrFieldExpiry, En) => "Enter the expiry as MM/YY.",
            (Msg::ErrFieldExpiry, Fr) => "Saisissez l’expiration au format MM/AA.",
            (Msg::ErrFieldExpired, En) => "This card has expired.",
            (Msg::ErrFieldExpired, Fr) => "Cette carte a expiré.",
            (Msg::ErrFieldCvc, En) => "Enter the 3 or 4 digits on the card.",
            (Msg::ErrFieldCvc, Fr) => "Saisissez les 3 ou 4 chiffres inscrits sur la carte.",
            (Msg::ErrFieldCvcFront, En) => "Enter the 4-digit code on the front of the card.",
            (Msg::ErrFieldCvcFront, Fr) => {
                "Saisissez les 4 chiffres inscrits au recto de la carte."
            }
            (Msg::ErrFieldCvcBack, En) => "Enter the 3-digit code on the back of the card.",
            (Msg::ErrFieldCvcBack, Fr) => "Saisissez les 3 chiffres inscrits au verso de la carte.",
            (Msg::ExpiryPlaceholder, En) => "MM / YY",
            (Msg::ExpiryPlaceholder, Fr) => "MM / AA",
            (Msg::ChooseVariant, En) => "Option",
            (Msg::ChooseVariant, Fr) => "Choix",
            (Msg::SoldOutSuffix, En) => "sold out",
            (Msg::SoldOutSuffix, Fr) => "épuisé",
            (Msg::ShipsFrom, En) => "Pre-order: ships from",
            (Msg::ShipsFrom, Fr) => "Précommande : expédition à partir du",
            (Msg::PriceChanged, En) => {
                "The price has changed since this post was shown. The total below is what you will pay."
            }
            (Msg::CarouselLabel, En) => "Products",
            (Msg::CarouselLabel, Fr) => "Produits",
            (Msg::CarouselRole, En) => "carousel",
            (Msg::CarouselRole, Fr) => "carrousel",
            (Msg::SlideRole, En) => "slide",
            (Msg::SlideRole, Fr) => "diapositive",
            (Msg::SlideOf(n, count), En) => return format!("{n} of {count}"),
            (Msg::SlideOf(n, count), Fr) => return format!("{n} sur {count}"),
            (Msg::Showing(first, last, count), En) => {
                return if first == last {
                    format!("{first} of {count}")
                } else {
                    format!("{first}–{last} of {count}")
                };
            }
            (Msg::Showing(first, last, count), Fr) => {
                return if first == last {
                    format!("{first} sur {count}")
                } else {
                    format!("{first} à {last} sur {count}")
                };
            }
            (Msg::PreviousSlides, En) => "Previous products",
            (Msg::PreviousSlides, Fr) => "Produits précédents",
            (Msg::NextSlides, En) => "Next products",
            (Msg::NextSlides, Fr) => "Produits suivants",
            (Msg::ShowSlide(n), En) => return format!("Show product {n}"),
            (Msg::ShowSlide(n), Fr) => return format!("Afficher le produit {n}"),
            (Msg::PauseSlideShow, En) => "Pause the slide show",
            (Msg::PauseSlideShow, Fr) => "Mettre le défilement en pause",
            (Msg::PlaySlideShow, En) => "Play the slide show",
            (Msg::PlaySlideShow, Fr) => "Reprendre le défilement",
            (Msg::OpensInNewTab, En) => "(opens in a new tab)",
            (Msg::OpensInNewTab, Fr) => "(s’ouvre dans un nouvel onglet)",
            (Msg::Close, En) => "Close",
            (Msg::Close, Fr) => "Fermer",
            (Msg::NoProducts, En) => "No products to show.",
            (Msg::NoProducts, Fr) => "Aucun produit à afficher.",
            (Msg::ErrUnknownProducts, En) => "Some products are not in the feed.",
            (Msg::ErrUnknownProducts, Fr) => "Certains produits ne figurent pas dans le catalogue.",
            (Msg::AddToCart, En) => "Add to cart",
            (Msg::AddToCart, Fr) => "Ajouter au panier",
            (Msg::InYourCart, En) => "In your cart ({0})",
            (Msg::InYourCart, Fr) => "Dans votre panier ({0})",
            (Msg::AddedToCart, En) => "Added to your cart.",
            (Msg::AddedToCart, Fr) => "Ajouté à votre panier.",
            (Msg::Undo, En) => "Undo",
            (Msg::Undo, Fr) => "Annuler",
            (Msg::Removed, En) => "Removed",
            (Msg::Removed, Fr) => "Retiré",
            (Msg::YourCart, En) => "Your cart",
            (Msg::YourCart, Fr) => "Votre panier",
            (Msg::CartItems(n), En) => {
                return format!("Cart ({n} item{})", if n == 1 { "" } else { "s" });
            }
            // French: 0 and 1 take the singular.
            (Msg::CartItems(n), Fr) => {
                return format!("Panier ({n} article{})", if n <= 1 { "" } else { "s" });
            }
            (Msg::CheckOut, En) => "Check out",
            (Msg::CheckOut, Fr) => "Passer la commande",
            (Msg::EstimatedSubtotal, En) => "Estimated subtotal",
            (Msg::EstimatedSubtotal, Fr) => "Sous-total estimé",
            (Msg::EstimatesUntilCheckout, En) => {
                "Prices and availability are estimates until checkout, which adds delivery and tax."
            }
            (Msg::EstimatesUntilCheckout, Fr) => {
                "Les prix et la disponibilité sont estimés jusqu’au paiement, qui ajoute la livraison et les taxes."
            }
            (Msg::SoldOutRemove, En) => "Sold out — remove",
            (Msg::SoldOutRemove, Fr) => "Épuisé — retirer",
            (Msg::PriceChangedFromTo, En) => "Price changed from {0} to {1}",
            (Msg::PriceChangedFromTo, Fr) => "Le prix est passé de {0} à {1}",
            (Msg::QuantityReducedTo, En) => "Quantity reduced to {0}, the most per order.",
            (Msg::QuantityReducedTo, Fr) => "Quantité ramenée à {0}, le maximum par commande.",
            (Msg::Quantity, En) => "Quantity",
            (Msg::Quantity, Fr) => "Quantité",
            (Msg::IncreaseQuantity, En) => "Increase quantity",
            (Msg::IncreaseQuantity, Fr) => "Augmenter la quantité",
            (Msg::DecreaseQuantity, En) => "Decrease quantity",
            (Msg::DecreaseQuantity, Fr) => "Diminuer la quantité",
            (Msg::Remove, En) => "Remove",
            (Msg::Remove, Fr) => "Retirer",
            (Msg::CartEmpty, En) => "Your cart is empty.",
            (Msg::CartEmpty, Fr) => "Votre panier est vide.",
            (Msg::CartFull, En) => "Your cart is full. Remove something to add more.",
            (Msg::CartFull, Fr) => {
                "Votre panier est plein. Retirez un article pour en ajouter d’autres."
            }
            (Msg::CartCannotAdd, En) => "This product could not be added to your cart.",
            (Msg::CartCannotAdd, Fr) => "Ce produit n’a pas pu être ajouté à votre panier.",
            (Msg::CartUndoExpired, En) => "Too late to undo: change it in your cart.",
            (Msg::CartUndoExpired, Fr) => "Trop tard pour annuler : modifiez-le dans votre panier.",
            (Msg::CartMixedCurrencies, En) => {
                "These prices are in different currencies, so they are totalled separately."
            }
            (Msg::CartMixedCurrencies, Fr) => {
                "Ces prix sont dans des devises différentes : ils sont totalisés séparément."
            }
            (Msg::CartUnreadable, En) => "Your saved cart could not be read, so it is empty.",
            (Msg::CartUnreadable, Fr) => {
                "Votre panier enregistré était illisible : il est donc vide."
            }
            (Msg::CartSomeUnreadable, En) => {
                "Some items of your saved cart could not be read and were left out."
            }
            (Msg::CartSomeUnreadable, Fr) => {
                "Certains articles de votre panier enregistré étaient illisibles et ont été retirés."
            }
            (Msg::ConfirmOrdersTitle, En) => "Confirm your orders",
            (Msg::ConfirmOrdersTitle, Fr) => "Confirmez vos commandes",
            (Msg::OpeningCheckout, En) => "Getting the totals from each shop…",
            (Msg::OpeningCheckout, Fr) => "Récupération des totaux auprès de chaque boutique…",
            (Msg::TotalForShops(n), En) => {
                return format!("Total for {n} shop{}", if n == 1 { "" } else { "s" });
            }
            (Msg::TotalForShops(n), Fr) => {
                return format!("Total pour {n} boutique{}", if n <= 1 { "" } else { "s" });
            }
            (Msg::SeparateCharges(n), En) => {
                return format!("Paid as {n} separate charges, one per shop.");
            }
            (Msg::SeparateCharges(n), Fr) => {
                return format!("Payé en {n} débits distincts, un par boutique.");
            }
            (Msg::PayingShop, En) => "Paying {0}…",
            (Msg::PayingShop, Fr) => "Paiement chez {0}…",
            (Msg::CheckingWith, En) => "Checking your order with {0}…",
            (Msg::CheckingWith, Fr) => "Vérification de votre commande chez {0}…",
            (Msg::PlacedWith, En) => "Placed with {0}",
            (Msg::PlacedWith, Fr) => "Commande passée chez {0}",
            (Msg::NotPlacedWith, En) => "Not placed with {0}: {1}",
            (Msg::NotPlacedWith, Fr) => "Commande non passée chez {0} : {1}",
            (Msg::NotAttemptedWith, En) => "Not yet ordered from {0}",
            (Msg::NotAttemptedWith, Fr) => "Pas encore commandé chez {0}",
            (Msg::CannotOpenWith, En) => "{0} cannot take these items now: {1}",
            (Msg::CannotOpenWith, Fr) => {
                "{0} ne peut pas prendre ces articles pour le moment : {1}"
            }
            (Msg::NotCharged, En) => "Not charged",
            (Msg::NotCharged, Fr) => "Non débité",
            (Msg::LeftInCart, En) => "What was not ordered is still in your cart.",
            (Msg::LeftInCart, Fr) => "Ce qui n’a pas été commandé reste dans votre panier.",
            (Msg::Charged, En) => "Paid {0}",
            (Msg::Charged, Fr) => "Payé {0}",
            (Msg::AddedNamed, En) => "Added to your cart: {0}",
            (Msg::AddedNamed, Fr) => "Ajouté au panier : {0}",
            (Msg::EstimatedTotal, En) => "Estimated total",
            (Msg::EstimatedTotal, Fr) => "Total estimé",
            (Msg::KeepInCart, En) => "Keep in cart",
            (Msg::KeepInCart, Fr) => "Garder dans le panier",
            (Msg::RemoveFromCart, En) => "Remove from cart",
            (Msg::RemoveFromCart, Fr) => "Retirer du panier",
            (Msg::OrdersPlaced, En) => "Thank you! Your orders are placed.",
            (Msg::OrdersPlaced, Fr) => "Merci ! Vos commandes sont passées.",
            (Msg::SomeOrdersPlaced, En) => "Some of your orders are placed",
            (Msg::SomeOrdersPlaced, Fr) => "Une partie de vos commandes est passée",
            (Msg::OrdersNotPlaced, En) => "Your orders are not placed",
            (Msg::OrdersNotPlaced, Fr) => "Vos commandes ne sont pas passées",
            (Msg::NothingToPay, En) => "Nothing is left to pay.",
            (Msg::NothingToPay, Fr) => "Il ne reste rien à payer.",
            (Msg::DetailsForShops, En) => "For delivery and tax, once for every shop: {0}.",
            (Msg::DetailsForShops, Fr) => {
                "Pour la livraison et les taxes, une fois pour toutes les boutiques : {0}."
            }
            (Msg::ChangeDetails, En) => "Change details",
            (Msg::ChangeDetails, Fr) => "Modifier les coordonnées",
            (Msg::PriceChanged, Fr) => {
                "Le prix a changé depuis l’affichage de cette publication. Le total ci-dessous est ce que vous paierez."
            }
        };
        s.to_owned()
    }
}

/// The Pay button, naming the amount when the session gives one ("Pay $133.70",
/// "Payer 133,70 $US"); `amount` is already formatted for the reader's locale.
pub fn pay_label(lang: Lang, amount: Option<&str>) -> String {
    match amount {
        Some(amount) => Msg::PayAmount.fill(lang, &[amount]),
        None => Msg::Pay.text(lang),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_takes_the_first_usable_tag() {
        let l = Locale::negotiate([None, Some("fr-CA"), Some("en-US")]);
        assert_eq!((l.tag(), l.lang), ("fr-CA", Lang::Fr));
        let l = Locale::negotiate([Some("  "), Some("<script>"), Some("de_DE")]);
        assert_eq!((l.tag(), l.lang), ("de-DE", Lang::En));
        let l = Locale::negotiate([Some("FR")]);
        assert_eq!(l.lang, Lang::Fr);
        let l = Locale::negotiate([None, Some("x"), Some("12-34")]);
        assert_eq!((l.tag(), l.lang), ("en", Lang::En));
    }

    #[test]
    fn pay_names_the_amount() {
        assert_eq!(pay_label(Lang::En, Some("$133.70")), "Pay $133.70");
        assert_eq!(
            pay_label(Lang::Fr, Some("133,70\u{a0}$US")),
            "Payer 133,70\u{a0}$US"
        );
        assert_eq!(pay_label(Lang::Fr, None), "Payer");
    }

    #[test]
    fn every_message_exists_in_both_languages() {
        let all = [
            Msg::Loading,
            Msg::ListPrice,
            Msg::Price,
            Msg::PriceUnavailable,
            Msg::SoldBy,
            Msg::ImageUnavailable,
            Msg::Retry,
            Msg::ErrMissingAttribute("feed"),
            Msg::ErrBadEndpoint,
            Msg::ErrProductNotFound,
            Msg::ErrVariantNotFound,
            Msg::ErrInvalidProduct,
            Msg::ErrFeedUnavailable,
            Msg::ErrNetwork,
            Msg::ErrTimeout,
            Msg::ErrHttp(503),
            Msg::ErrUnreadableFeed,
            Msg::ErrCheckoutUnavailable,
            Msg::ErrCheckoutRefused,
            Msg::ErrNeedsCheckoutService,
            Msg::ErrWalletRefused,
            Msg::ErrNoPaymentHandler,
            Msg::ErrCannotTakeOrder,
            Msg::ErrSessionClosed,
            Msg::ErrSoldOut,
            Msg::ErrQuantityLimit,
            Msg::ErrPaymentDeclined,
            Msg::ErrNeedsAuthentication,
            Msg::ErrCheckDetails,
            Msg::ErrDetailsRefused,
            Msg::ErrUnconfirmed,
            Msg::ErrNotCharged,
            Msg::CheckAgain,
            Msg::PayAmount,
            Msg::Paying,
            Msg::WaitingForBank,
            Msg::BankTitle,
            Msg::BankAsks,
            Msg::BankAsksAmount,
            Msg::BankApprove,
            Msg::BankFail,
            Msg::BankTestNote,
            Msg::OrderNumber,
            Msg::SentTo,
            Msg::PreOrder,
            Msg::Paid,
            Msg::SeeProduct,
            Msg::OrderSummary,
            Msg::Buy,
            Msg::Confirm,
            Msg::Cancel,
            Msg::ConfirmTitle,
            Msg::Delivery,
            Msg::Tax,
            Msg::PayWith,
            Msg::ShipTo,
            Msg::Placing,
            Msg::Placed,
            Msg::ViewOrder,
            Msg::SoldOut,
            Msg::DetailsUnavailable,
            Msg::CheckingOrder,
            Msg::CheckingHint,
            Msg::NotPlacedTitle,
            Msg::UnconfirmedTitle,
            Msg::YourDetails,
            Msg::Continue,
            Msg::Pay,
            Msg::SaveForNextTime,
            Msg::CardDetails,
            Msg::FieldEmail,
            Msg::FieldName,
            Msg::FieldCountry,
            Msg::FieldLineOne,
            Msg::FieldLineTwo,
            Msg::FieldCity,
            Msg::FieldState,
            Msg::FieldUsState,
            Msg::FieldPostal(PostalWord::Zip),
            Msg::FieldPostal(PostalWord::Postcode),
            Msg::FieldPostal(PostalWord::PostalCode),
            Msg::FieldCardNumber,
            Msg::FieldExpiry,
            Msg::FieldCvc,
            Msg::ErrFieldRequired,
            Msg::ErrFieldEmail,
            Msg::ErrFieldCountry,
            Msg::ErrFieldPostal(PostalWord::Zip, "94103"),
            Msg::ErrFieldPostal(PostalWord::Postcode, "SW1A 1AA"),
            Msg::ErrFieldPostal(PostalWord::PostalCode, "K1A 0B1"),
            Msg::ErrFieldCardNumber,
            Msg::ErrFieldCardIncomplete,
            Msg::ErrFieldCardDeclined,
            Msg::ErrFieldExpiry,
            Msg::ErrFieldExpired,
            Msg::ErrFieldCvc,
            Msg::ErrFieldCvcFront,
            Msg::ErrFieldCvcBack,
            Msg::ExpiryPlaceholder,
            Msg::ChooseVariant,
            Msg::SoldOutSuffix,
            Msg::ShipsFrom,
            Msg::PriceChanged,
            Msg::CarouselLabel,
            Msg::CarouselRole,
            Msg::SlideRole,
            Msg::SlideOf(3, 12),
            Msg::Showing(3, 3, 12),
            Msg::Showing(3, 5, 12),
            Msg::PreviousSlides,
            Msg::NextSlides,
            Msg::ShowSlide(2),
            Msg::PauseSlideShow,
            Msg::PlaySlideShow,
            Msg::OpensInNewTab,
            Msg::Close,
            Msg::NoProducts,
            Msg::ErrUnknownProducts,
            Msg::AddToCart,
            Msg::InYourCart,
            Msg::AddedToCart,
            Msg::Undo,
            Msg::Removed,
            Msg::YourCart,
            Msg::CartItems(0),
            Msg::CartItems(1),
            Msg::CartItems(2),
            Msg::CheckOut,
            Msg::EstimatedSubtotal,
            Msg::EstimatesUntilCheckout,
            Msg::SoldOutRemove,
            Msg::PriceChangedFromTo,
            Msg::QuantityReducedTo,
            Msg::Quantity,
            Msg::IncreaseQuantity,
            Msg::DecreaseQuantity,
            Msg::Remove,
            Msg::CartEmpty,
            Msg::CartFull,
            Msg::CartCannotAdd,
            Msg::CartUndoExpired,
            Msg::CartMixedCurrencies,
            Msg::CartUnreadable,
            Msg::CartSomeUnreadable,
            Msg::ConfirmOrdersTitle,
            Msg::OpeningCheckout,
            Msg::TotalForShops(1),
            Msg::TotalForShops(3),
            Msg::SeparateCharges(2),
            Msg::PayingShop,
            Msg::CheckingWith,
            Msg::PlacedWith,
            Msg::NotPlacedWith,
            Msg::NotAttemptedWith,
            Msg::CannotOpenWith,
            Msg::NotCharged,
            Msg::LeftInCart,
            Msg::Charged,
            Msg::AddedNamed,
            Msg::EstimatedTotal,
            Msg::KeepInCart,
            Msg::RemoveFromCart,
            Msg::OrdersPlaced,
            Msg::SomeOrdersPlaced,
            Msg::OrdersNotPlaced,
            Msg::NothingToPay,
            Msg::DetailsForShops,
            Msg::ChangeDetails,
            Msg::Availability(Availability::InStock),
            Msg::Availability(Availability::LimitedStock),
            Msg::Availability(Availability::Preorder),
            Msg::Availability(Availability::Backorder),
            Msg::Availability(Availability::OutOfStock),
            Msg::Availability(Availability::Discontinued),
        ];
        for msg in all {
            let (en, fr) = (msg.text(Lang::En), msg.text(Lang::Fr));
            assert!(!en.is_empty() && !fr.is_empty(), "{msg:?}");
            assert_ne!(en, fr, "{msg:?} is not translated");
        }
        assert!(Msg::ErrHttp(503).text(Lang::Fr).contains("503"));
        // "Province" is the same word in both languages.
        assert_eq!(Msg::FieldProvince.text(Lang::Fr), "Province");
        assert_eq!(
            Msg::ErrFieldPostal(PostalWord::Zip, "94103").text(Lang::En),
            "Enter a ZIP code like 94103."
        );
        assert_eq!(
            Msg::ErrFieldPostal(PostalWord::PostalCode, "K1A 0B1").text(Lang::Fr),
            "Saisissez un code postal du type K1A 0B1."
        );
        assert_eq!(Msg::Showing(3, 5, 12).text(Lang::En), "3–5 of 12");
        assert_eq!(Msg::Showing(3, 3, 12).text(Lang::Fr), "3 sur 12");
    }

    #[test]
    fn cart_counts_take_the_plural_of_each_language() {
        let en: Vec<String> = [0, 1, 2].map(|n| Msg::CartItems(n).text(Lang::En)).into();
        assert_eq!(en, ["Cart (0 items)", "Cart (1 item)", "Cart (2 items)"]);
        let fr: Vec<String> = [0, 1, 2].map(|n| Msg::CartItems(n).text(Lang::Fr)).into();
        assert_eq!(
            fr,
            [
                "Panier (0 article)",
                "Panier (1 article)",
                "Panier (2 articles)"
            ]
        );
        assert_eq!(Msg::TotalForShops(1).text(Lang::En), "Total for 1 shop");
        assert_eq!(
            Msg::TotalForShops(2).text(Lang::Fr),
            "Total pour 2 boutiques"
        );
        assert_eq!(
            Msg::NotPlacedWith.fill(Lang::Fr, &["Lantern Press", "carte refusée"]),
            "Commande non passée chez Lantern Press : carte refusée"
        );
        assert_eq!(
            Msg::PriceChangedFromTo.fill(Lang::En, &["$19.99", "$21.99"]),
            "Price changed from $19.99 to $21.99"
        );
    }

    #[test]
    fn fill_puts_the_arguments_in_their_places() {
        assert_eq!(
            Msg::BankAsks.fill(Lang::En, &["$13.58", "Lantern Press"]),
            "Approve a payment of $13.58 to Lantern Press."
        );
        assert_eq!(
            Msg::BankAsks.fill(Lang::Fr, &["13,58 $", "Lantern Press"]),
            "Autorisez un paiement de 13,58 $ à Lantern Press."
        );
        assert_eq!(Msg::PayAmount.fill(Lang::En, &["$1.00"]), "Pay $1.00");
        // An argument that looks like a placeholder is not filled again.
        assert_eq!(
            Msg::BankAsks.fill(Lang::En, &["{1}", "Shop"]),
            "Approve a payment of {1} to Shop."
        );
        for msg in [
            Msg::PayAmount,
            Msg::BankAsks,
            Msg::BankAsksAmount,
            Msg::OrderNumber,
            Msg::InYourCart,
            Msg::PriceChangedFromTo,
            Msg::QuantityReducedTo,
            Msg::PayingShop,
            Msg::CheckingWith,
            Msg::PlacedWith,
            Msg::NotPlacedWith,
            Msg::NotAttemptedWith,
            Msg::CannotOpenWith,
            Msg::DetailsForShops,
        ] {
            for lang in [Lang::En, Lang::Fr] {
                assert!(
                    !msg.fill(lang, &["a", "b"]).contains('{'),
                    "{msg:?} in {lang:?} keeps a placeholder"
                );
            }
        }
    }
}
