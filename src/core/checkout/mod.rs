//! The card's checkout client, pure: the only place in `src/` that knows the wire format of ACP
//! 2026-04-17's checkout (and of the host site's wallet, which speaks ACP's buyer and address).
//!
//! The flow and the views speak checkout, not wire format:
//! - [`session`]: small read models of a checkout session (what the sheets render and what the
//!   flow decides on), deserialised straight from the merchant's JSON; unknown fields are
//!   ignored, and so is everything the card does not use.
//! - [`buyer`]: the buyer's contact and delivery address, as the wallet gives them and the
//!   merchant takes them, and the card the buyer typed.
//! - [`request`]: the flow's intents (open a session, update it, pay, cancel, delegate a card,
//!   the wallet's card and token) as typed request bodies.
//! - [`answer`]: the answers read back: sessions, tokens, the wallet's saved buyer, and error
//!   bodies as [`CheckoutError`](super::checkout_error::CheckoutError)s.
//!
//! The full `buycard_acp` types stay on the server and in tests, which check that every body
//! written here is a valid ACP request and every example session of the specification reads.

pub mod answer;
pub mod buyer;
pub mod request;
pub mod session;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

pub use answer::{Answer, Visitor};
pub use buyer::{Address, CardEntry, Contact, Delivery, SavedBuyer, SavedCard};
pub use request::{Authentication, DeliveryChoice, Purchase, ThreeDsDetails};
pub use session::{
    DeliveryOption, Handler, Line, Order, Problem, ProblemKind, Session, Severity, Status, Target,
    Totals,
};

/// The ACP version the card speaks, sent in the `API-Version` header.
pub const API_VERSION: &str = "2026-04-17";
