//! What can go wrong talking to a checkout backend, as a small typed set.
//!
//! The network can fail with no answer at all; a backend answers failures with an HTTP status
//! and an error body, which `core::checkout` reads into one of these kinds. The buy flow needs
//! three things from a failure: whether retrying the *same* request (same Idempotency-Key) can
//! help, what to tell the buyer (English and French), and which field to point at.

use super::i18n::{Lang, Msg};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutError {
    /// No answer: connection refused, dropped, timed out. The outcome is unknown.
    Network,
    /// 5xx: the server failed; ACP says a 5xx is never stored against the key.
    Server(u16),
    /// 409 `idempotency_in_flight`: the first request with this key is still running.
    InFlight { retry_after_secs: Option<u32> },
    /// 429.
    RateLimited { retry_after_secs: Option<u32> },
    /// 422 `idempotency_conflict`: the same key was used with another body (a client bug).
    KeyConflict,
    /// The session is completed, canceled or expired (405), or gone (404).
    SessionClosed,
    /// 401/403 from the checkout backend: it does not take orders from browsers directly (a
    /// merchant that expects its platform's checkout service, or an API key).
    Unauthorized,
    /// 401/403 from the host's wallet: the buyer is no longer signed in there.
    WalletRefused,
    /// The backend does not speak this ACP version.
    UnsupportedVersion { supported: Vec<String> },
    /// Sold out (`out_of_stock`).
    OutOfStock { param: Option<String> },
    /// More than `max_quantity_per_order` (`quantity_exceeded`).
    QuantityExceeded { param: Option<String> },
    /// The card was declined (`payment_declined`): another card may work.
    PaymentDeclined,
    /// 3-D Secure is needed (`requires_3ds`).
    AuthenticationRequired,
    /// Anything else the buyer must fix (`missing`, `invalid`, …), on `param`.
    Invalid { code: String, param: Option<String> },
    /// The session offers no payment handler, so there is nothing to pay with.
    NoPaymentHandler,
    /// The session is not ready for payment for a reason the card cannot fix (the merchant's
    /// error `code` on `param`, when it gave one).
    NotReady {
        code: Option<String>,
        param: Option<String>,
    },
    /// The buyer's details were sent and the shop still asks for them: it does not take this
    /// address or contact (a cart's shop; the single card asks again instead).
    DetailsRefused,
    /// A payment whose outcome is unknown could not be checked yet (the card keeps asking the
    /// merchant before it pays again).
    Unconfirmed,
    /// The merchant's session shows that a payment whose answer was lost never took effect:
    /// no order, no charge.
    NotCharged,
}

impl CheckoutError {
    /// Adds the `Retry-After` header's seconds to the kinds that honour it.
    pub fn with_retry_after(self, seconds: Option<u32>) -> Self {
        match self {
            Self::InFlight { .. } => Self::InFlight {
                retry_after_secs: seconds,
            },
            Self::RateLimited { .. } => Self::RateLimited {
                retry_after_secs: seconds,
            },
            other => other,
        }
    }

    /// Whether sending the same request again, with the same Idempotency-Key, can succeed.
    /// (A declined card is not: it needs a new card, hence a new request.)
    pub fn retryable(&self) -> bool {
        matches!(
            self,
            Self::Network | Self::Server(_) | Self::InFlight { .. } | Self::RateLimited { .. }
        )
    }

    /// Whether the buyer's "Try again" can lead anywhere. Some failures would only repeat: the
    /// shop refuses this page, speaks another version, has nothing to pay with, or cannot take
    /// this order; the sheet then offers only Cancel.
    pub fn can_try_again(&self) -> bool {
        !matches!(
            self,
            Self::Unauthorized
                | Self::UnsupportedVersion { .. }
                | Self::NoPaymentHandler
                | Self::NotReady { .. }
                | Self::QuantityExceeded { .. }
                | Self::DetailsRefused
        )
    }

    /// The server's wish for the next retry, in seconds.
    pub fn retry_after_secs(&self) -> Option<u32> {
        match self {
            Self::InFlight { retry_after_secs } | Self::RateLimited { retry_after_secs } => {
                *retry_after_secs
            }
            _ => None,
        }
    }

    /// Whether the request may have taken effect although no success was seen: after such an
    /// error on `complete`, the flow re-reads the session before anything else.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            Self::Network | Self::Server(_) | Self::InFlight { .. }
        )
    }

    /// Stable code for events (`buycard:error` `detail.code`) and `data-error`.
    pub fn code(&self) -> &str {
        match self {
            Self::Network => "network",
            Self::Server(_) => "server_error",
            Self::InFlight { .. } => "in_flight",
            Self::RateLimited { .. } => "rate_limited",
            Self::KeyConflict => "idempotency_conflict",
            Self::SessionClosed => "session_closed",
            Self::Unauthorized => "unauthorized",
            Self::WalletRefused => "wallet_unauthorized",
            Self::UnsupportedVersion { .. } => "unsupported_version",
            Self::OutOfStock { .. } => "out_of_stock",
            Self::QuantityExceeded { .. } => "quantity_exceeded",
            Self::PaymentDeclined => "payment_declined",
            Self::AuthenticationRequired => "requires_3ds",
            Self::Invalid { code, .. } => code,
            Self::NoPaymentHandler => "no_payment_handler",
            Self::NotReady { .. } => "not_ready",
            Self::DetailsRefused => "details_refused",
            Self::Unconfirmed => "unconfirmed",
            Self::NotCharged => "not_charged",
        }
    }

    /// The field to point at (an ACP JSONPath), if any.
    pub fn param(&self) -> Option<&str> {
        match self {
            Self::OutOfStock { param }
            | Self::QuantityExceeded { param }
            | Self::Invalid { param, .. }
            | Self::NotReady { param, .. } => param.as_deref(),
            _ => None,
        }
    }

    /// What the buyer is told.
    pub fn message(&self) -> Msg {
        match self {
            Self::Network | Self::Server(_) | Self::InFlight { .. } | Self::RateLimited { .. } => {
                Msg::ErrCheckoutUnavailable
            }
            Self::KeyConflict | Self::UnsupportedVersion { .. } => Msg::ErrCheckoutRefused,
            Self::Unauthorized => Msg::ErrNeedsCheckoutService,
            Self::WalletRefused => Msg::ErrWalletRefused,
            Self::NoPaymentHandler => Msg::ErrNoPaymentHandler,
            Self::NotReady { .. } => Msg::ErrCannotTakeOrder,
            Self::SessionClosed => Msg::ErrSessionClosed,
            Self::OutOfStock { .. } => Msg::ErrSoldOut,
            Self::QuantityExceeded { .. } => Msg::ErrQuantityLimit,
            Self::PaymentDeclined => Msg::ErrPaymentDeclined,
            Self::AuthenticationRequired => Msg::ErrNeedsAuthentication,
            Self::Invalid { .. } => Msg::ErrCheckDetails,
            Self::DetailsRefused => Msg::ErrDetailsRefused,
            Self::Unconfirmed => Msg::ErrUnconfirmed,
            Self::NotCharged => Msg::ErrNotCharged,
        }
    }

    pub fn text(&self, lang: Lang) -> String {
        self.message().text(lang)
    }
}

#[cfg(test)]
mod tests {
    use super::super::checkout::answer::{Answer, read_failure};
    use super::*;

    #[test]
    fn only_transient_failures_are_retried_with_the_same_key() {
        let retryable = [
            CheckoutError::Network,
            CheckoutError::Server(500),
            CheckoutError::InFlight {
                retry_after_secs: Some(1),
            },
            CheckoutError::RateLimited {
                retry_after_secs: None,
            },
        ];
        for e in &retryable {
            assert!(e.retryable(), "{e:?}");
        }
        for e in [
            CheckoutError::KeyConflict,
            CheckoutError::SessionClosed,
            CheckoutError::PaymentDeclined,
            CheckoutError::OutOfStock { param: None },
            CheckoutError::Invalid {
                code: "missing".into(),
                param: None,
            },
        ] {
            assert!(!e.retryable(), "{e:?}");
        }
        assert_eq!(
            CheckoutError::InFlight {
                retry_after_secs: None
            }
            .with_retry_after(Some(2))
            .retry_after_secs(),
            Some(2)
        );
        assert_eq!(
            CheckoutError::Network
                .with_retry_after(Some(2))
                .retry_after_secs(),
            None
        );
        assert!(CheckoutError::Network.outcome_unknown());
        assert!(!CheckoutError::PaymentDeclined.outcome_unknown());
    }

    #[test]
    fn a_shop_that_refuses_browsers_says_to_go_through_the_sites_checkout_service() {
        let read = |status, body: &str| {
            read_failure(&Answer {
                status,
                retry_after: None,
                body: body.into(),
            })
        };
        for status in [401, 403] {
            let refused = read(
                status,
                r#"{"type":"invalid_request","code":"unauthorized","message":"No"}"#,
            );
            assert_eq!(refused, CheckoutError::Unauthorized);
            assert_eq!(
                refused.text(Lang::En),
                "This shop must be reached through the site’s checkout service."
            );
            assert_eq!(
                refused.text(Lang::Fr),
                "Cette boutique n’est joignable que par le service de paiement du site."
            );
            assert!(
                !refused.retryable(),
                "the same request would be refused again"
            );
            assert!(!refused.can_try_again(), "no Try again that can never work");
            assert_eq!(refused.code(), "unauthorized");
        }
        // Nor when the body is not an ACP error (a gateway's bare 401).
        assert_eq!(read(401, "Unauthorized"), CheckoutError::Unauthorized);
        // The wallet refusing a signed-out buyer is another story, and worth another try.
        assert_ne!(
            CheckoutError::WalletRefused.message(),
            CheckoutError::Unauthorized.message()
        );
        assert!(CheckoutError::WalletRefused.can_try_again());
        assert!(CheckoutError::Network.can_try_again());
        assert!(!CheckoutError::NoPaymentHandler.can_try_again());
        assert!(
            !CheckoutError::NotReady {
                code: None,
                param: None
            }
            .can_try_again()
        );
    }

    #[test]
    fn every_kind_has_words_in_both_languages() {
        let all = [
            CheckoutError::Network,
            CheckoutError::Unauthorized,
            CheckoutError::WalletRefused,
            CheckoutError::NoPaymentHandler,
            CheckoutError::NotReady {
                code: Some("invalid".into()),
                param: Some("$.currency".into()),
            },
            CheckoutError::KeyConflict,
            CheckoutError::SessionClosed,
            CheckoutError::OutOfStock { param: None },
            CheckoutError::QuantityExceeded { param: None },
            CheckoutError::PaymentDeclined,
            CheckoutError::AuthenticationRequired,
            CheckoutError::DetailsRefused,
            CheckoutError::Invalid {
                code: "missing".into(),
                param: None,
            },
        ];
        for e in all {
            let (en, fr) = (e.text(Lang::En), e.text(Lang::Fr));
            assert!(!en.is_empty() && !fr.is_empty() && en != fr, "{e:?}");
        }
    }
}
