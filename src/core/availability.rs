//! Availability: the feed's extensible `availability.status` mapped to what a buyer is told.

use super::listing::Availability as AcpAvailability;

/// What the card says about stock. ACP's `status` is an open set; values this version does not
/// know fall back on the `available` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Availability {
    InStock,
    LimitedStock,
    Preorder,
    Backorder,
    OutOfStock,
    Discontinued,
    /// Neither a known status nor an `available` flag: say nothing rather than guess.
    Unknown,
}

impl Availability {
    pub fn from_acp(acp: Option<&AcpAvailability>) -> Self {
        let Some(acp) = acp else {
            return Self::Unknown;
        };
        match acp.status.as_deref().map(str::trim) {
            Some("in_stock") => Self::InStock,
            Some("limited_stock") => Self::LimitedStock,
            Some("preorder") => Self::Preorder,
            Some("backorder") => Self::Backorder,
            Some("out_of_stock") => Self::OutOfStock,
            Some("discontinued") => Self::Discontinued,
            _ => match acp.available {
                Some(true) => Self::InStock,
                Some(false) => Self::OutOfStock,
                None => Self::Unknown,
            },
        }
    }

    /// Whether a buyer may start a checkout for it (the merchant still has the last word).
    pub fn is_buyable(self) -> bool {
        matches!(
            self,
            Self::InStock | Self::LimitedStock | Self::Preorder | Self::Backorder | Self::Unknown
        )
    }

    /// Stable token for CSS and tests (`data-availability`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InStock => "in_stock",
            Self::LimitedStock => "limited_stock",
            Self::Preorder => "preorder",
            Self::Backorder => "backorder",
            Self::OutOfStock => "out_of_stock",
            Self::Discontinued => "discontinued",
            Self::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acp(status: Option<&str>, available: Option<bool>) -> AcpAvailability {
        AcpAvailability {
            status: status.map(str::to_owned),
            available,
        }
    }

    #[test]
    fn every_known_status_maps() {
        let cases = [
            ("in_stock", Availability::InStock),
            ("limited_stock", Availability::LimitedStock),
            ("preorder", Availability::Preorder),
            ("backorder", Availability::Backorder),
            ("out_of_stock", Availability::OutOfStock),
            ("discontinued", Availability::Discontinued),
        ];
        for (status, expected) in cases {
            // The status wins over a contradictory flag: it carries more information.
            assert_eq!(
                Availability::from_acp(Some(&acp(Some(status), Some(true)))),
                expected
            );
            assert_eq!(expected.as_str(), status);
        }
    }

    #[test]
    fn unknown_status_falls_back_on_the_flag() {
        let a = |s, f| Availability::from_acp(Some(&acp(s, f)));
        assert_eq!(a(Some("coming_soon"), Some(true)), Availability::InStock);
        assert_eq!(
            a(Some("coming_soon"), Some(false)),
            Availability::OutOfStock
        );
        assert_eq!(a(None, Some(false)), Availability::OutOfStock);
        assert_eq!(a(Some("coming_soon"), None), Availability::Unknown);
        assert_eq!(Availability::from_acp(None), Availability::Unknown);
    }

    #[test]
    fn buyability() {
        assert!(Availability::Preorder.is_buyable());
        assert!(Availability::LimitedStock.is_buyable());
        assert!(!Availability::OutOfStock.is_buyable());
        assert!(!Availability::Discontinued.is_buyable());
    }
}
