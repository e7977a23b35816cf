//! `<product-carousel>`'s logic: which products become slides, where the buttons and keys go,
//! what "in view" means, which images may load, and when autoplay may run.
//!
//! The view reports what `IntersectionObserver` saw (one visibility ratio per slide) and what the
//! user did; everything it decides from those lives here, so it is tested natively.

use super::card::CardModel;
use super::catalog::Catalog;

/// A slide counts as in view when at least this much of it is visible.
pub const IN_VIEW: f64 = 0.5;
/// A slide counts as wholly visible (the ends of the track) from this ratio; a little under 1
/// because sub-pixel layout rarely gives exactly 1.
pub const WHOLLY: f64 = 0.95;
/// Dots are shown up to this many slides; beyond, only "3 of 12".
pub const MAX_DOTS: usize = 10;
/// More slides than this are not rendered (a hostile or mistaken feed of a million products).
pub const MAX_SLIDES: usize = 500;
/// Autoplay interval bounds: fast enough to notice, slow enough to read.
pub const MIN_AUTOPLAY_MS: u32 = 2_000;
pub const MAX_AUTOPLAY_MS: u32 = 60_000;

/// What a tap on a slide does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    /// Open the product's page in a new tab.
    #[default]
    Link,
    /// Open the buy sheet for the product inside the banner.
    Buy,
}

impl Action {
    /// The `action` attribute; anything but `buy` is the default, `link`.
    pub fn parse(raw: Option<&str>) -> Self {
        match raw.map(|r| r.trim().to_ascii_lowercase()) {
            Some(r) if r == "buy" => Action::Buy,
            _ => Action::Link,
        }
    }
}

/// The slides to show, and the requested ids that could not be shown.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selection {
    pub slides: Vec<CardModel>,
    /// Ids from `products` that are not in the feed or whose entry is malformed, in the order
    /// asked; reported once to the host page.
    pub skipped: Vec<String>,
}

/// The slides for a `products` attribute: without one (or a blank one), every readable product in
/// feed order; with one, exactly those ids in that order (each once).
pub fn select(catalog: &Catalog, products: Option<&str>) -> Selection {
    let requested: Vec<&str> = products
        .map(|p| p.split_whitespace().collect())
        .unwrap_or_default();
    let mut selection = Selection::default();
    if requested.is_empty() {
        // A malformed product in the feed is left out quietly: nobody asked for it by name.
        selection.slides = catalog
            .ids()
            .iter()
            .filter_map(|id| CardModel::from_catalog(catalog, id, None).ok())
            .take(MAX_SLIDES)
            .collect();
        return selection;
    }
    let mut seen = std::collections::HashSet::new();
    for id in requested {
        if !seen.insert(id) {
            continue;
        }
        match CardModel::from_catalog(catalog, id, None) {
            Ok(model) if selection.slides.len() < MAX_SLIDES => selection.slides.push(model),
            Ok(_) => {}
            Err(_) => selection.skipped.push(id.to_owned()),
        }
    }
    selection
}

/// The autoplay interval from the `autoplay` attribute, in seconds ("5", "2.5"); absent, zero or
/// unreadable means no autoplay. Parsed without floats; clamped to the bounds above.
pub fn autoplay_interval(raw: Option<&str>) -> Option<u32> {
    let raw = raw?.trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || whole.len() > 6 {
        return None;
    }
    let seconds: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    // Milliseconds from at most three decimals ("2.5" → 500, "2.05" → 50).
    let millis: u32 = fraction
        .chars()
        .chain(std::iter::repeat('0'))
        .take(3)
        .collect::<String>()
        .parse()
        .ok()?;
    let total = seconds.checked_mul(1000)?.checked_add(millis)?;
    (total > 0).then(|| total.clamp(MIN_AUTOPLAY_MS, MAX_AUTOPLAY_MS))
}

/// Which slides are in view, derived from one visibility ratio per slide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InView {
    /// First and last slide at least half visible (the same on a phone showing one slide).
    pub first: usize,
    pub last: usize,
    /// The first slide is wholly visible: nothing to go back to.
    pub at_start: bool,
    /// The last slide is wholly visible: nothing further.
    pub at_end: bool,
    pub count: usize,
}

impl InView {
    /// From the observer's ratios (index = slide). `None` when there are no slides or none is
    /// visible at all (the banner is hidden). When no slide is half visible (a slide wider than
    /// the track), the most visible one stands in, the first of equals.
    pub fn from_ratios(ratios: &[f64]) -> Option<Self> {
        let count = ratios.len();
        let visible = |r: &f64| *r >= IN_VIEW;
        let (first, last) = match (
            ratios.iter().position(visible),
            ratios.iter().rposition(visible),
        ) {
            (Some(first), Some(last)) => (first, last),
            _ => {
                let mut best: Option<(usize, f64)> = None;
                for (i, r) in ratios.iter().enumerate() {
                    if *r > 0.0 && best.is_none_or(|(_, b)| *r > b) {
                        best = Some((i, *r));
                    }
                }
                let (best, _) = best?;
                (best, best)
            }
        };
        Some(Self {
            first,
            last,
            at_start: ratios.first().is_some_and(|r| *r >= WHOLLY),
            at_end: ratios.last().is_some_and(|r| *r >= WHOLLY),
            count,
        })
    }

    /// Before the observer has reported: the track starts at its first slide.
    pub fn initial(count: usize) -> Self {
        Self {
            first: 0,
            last: 0,
            at_start: true,
            at_end: count <= 1,
            count,
        }
    }

    /// Slides per page: how many are in view.
    pub fn page(&self) -> usize {
        self.last - self.first + 1
    }

    /// The slide to bring to the start of the track for "next": one page on.
    pub fn next(&self) -> Option<usize> {
        (!self.at_end && self.count > 0).then(|| (self.first + self.page()).min(self.count - 1))
    }

    /// The slide to bring to the start for "previous": one page back.
    pub fn previous(&self) -> Option<usize> {
        (!self.at_start).then(|| self.first.saturating_sub(self.page()))
    }

    /// Autoplay's next slide: one page on, back to the first after the end.
    pub fn advance(&self) -> usize {
        self.next().unwrap_or(0)
    }

    /// Whether a slide's image may load: slides in view and one page either side.
    pub fn near(&self, index: usize) -> bool {
        let margin = self.page().max(2);
        index + margin >= self.first && index <= self.last + margin
    }

    /// Where a move to `target` lands, to announce it at once (the scroll may be smooth): a
    /// page starting at `target`, or the last page when too few slides follow it.
    pub fn landing(&self, target: usize) -> Position {
        let page = self.page().min(self.count.max(1));
        let first = target.min(self.count.saturating_sub(page));
        Position {
            first: first + 1,
            last: (first + page).min(self.count.max(1)),
            count: self.count,
        }
    }

    /// The position to show and announce.
    pub fn position(&self) -> Position {
        Position {
            first: self.first + 1,
            last: self.last + 1,
            count: self.count,
        }
    }
}

/// "3 of 12", or "3–5 of 12" when several slides are in view (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub first: usize,
    pub last: usize,
    pub count: usize,
}

/// The slide a key moves focus to, from the focused slide; `rtl` swaps the arrows, as the track
/// runs right to left. Other keys are not the carousel's.
pub fn key_target(key: &str, focused: usize, count: usize, rtl: bool) -> Option<usize> {
    if count == 0 {
        return None;
    }
    let (forward, back) = if rtl {
        ("ArrowLeft", "ArrowRight")
    } else {
        ("ArrowRight", "ArrowLeft")
    };
    let focused = focused.min(count - 1);
    match key {
        k if k == forward => Some((focused + 1).min(count - 1)),
        k if k == back => Some(focused.saturating_sub(1)),
        "Home" => Some(0),
        "End" => Some(count - 1),
        _ => None,
    }
}

/// Whether dots are worth showing: a few slides, not one.
pub fn shows_dots(count: usize) -> bool {
    (2..=MAX_DOTS).contains(&count)
}

/// What autoplay depends on. It runs only when it was asked for, motion is welcome, and nobody is
/// looking closely (pointer over it, focus in it), the tab is visible and the user has not
/// paused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Autoplay {
    pub interval_ms: Option<u32>,
    pub reduced_motion: bool,
    pub hovered: bool,
    pub focused: bool,
    pub hidden: bool,
    pub paused_by_user: bool,
    /// A buy panel is open: the banner holds still while the visitor buys.
    pub buying: bool,
}

impl Autoplay {
    /// Whether the control to pause and resume is shown: autoplay is possible at all.
    pub fn available(&self) -> bool {
        self.interval_ms.is_some() && !self.reduced_motion
    }

    /// The interval to wait before the next move, or `None` when autoplay must not run now.
    pub fn running(&self) -> Option<u32> {
        if !self.available()
            || self.hovered
            || self.focused
            || self.hidden
            || self.paused_by_user
            || self.buying
        {
            return None;
        }
        self.interval_ms
    }

    /// The live region's politeness: silent while rotating (moves the user did not make are not
    /// announced), polite otherwise.
    pub fn live(&self) -> &'static str {
        if self.running().is_some() {
            "off"
        } else {
            "polite"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        let product = |id: &str, status: &str| {
            format!(
                r#"{{"id":"{id}","title":"{id} title","url":"https://shop.example/{id}","variants":[{{"id":"{id}-v","title":"V","price":{{"amount":1000,"currency":"USD"}},"availability":{{"status":"{status}"}}}}]}}"#
            )
        };
        let body = format!(
            r#"{{"products":[{},{},{},{{"id":"broken","variants":"nope"}},{}]}}"#,
            product("a", "in_stock"),
            product("b", "out_of_stock"),
            product("c", "preorder"),
            product("d", "in_stock"),
        );
        Catalog::parse(&body).expect("test feed")
    }

    fn ids(selection: &Selection) -> Vec<&str> {
        selection
            .slides
            .iter()
            .map(|s| s.product_id.as_str())
            .collect()
    }

    #[test]
    fn without_products_every_readable_product_in_feed_order() {
        for attr in [None, Some(""), Some("  \n ")] {
            let s = select(&catalog(), attr);
            assert_eq!(ids(&s), ["a", "b", "c", "d"]);
            assert!(s.skipped.is_empty());
        }
    }

    #[test]
    fn with_products_exactly_those_in_that_order_and_unknown_ones_reported() {
        let s = select(&catalog(), Some("d  a\tghost broken a c ghost"));
        assert_eq!(ids(&s), ["d", "a", "c"]);
        assert_eq!(s.skipped, ["ghost", "broken"]);
    }

    #[test]
    fn action_defaults_to_link() {
        assert_eq!(Action::parse(None), Action::Link);
        assert_eq!(Action::parse(Some("link")), Action::Link);
        assert_eq!(Action::parse(Some("javascript:alert(1)")), Action::Link);
        assert_eq!(Action::parse(Some(" BUY ")), Action::Buy);
    }

    #[test]
    fn autoplay_seconds_are_parsed_without_floats_and_bounded() {
        assert_eq!(autoplay_interval(None), None);
        assert_eq!(autoplay_interval(Some("")), None);
        assert_eq!(autoplay_interval(Some("0")), None);
        assert_eq!(autoplay_interval(Some("0.0")), None);
        assert_eq!(autoplay_interval(Some("abc")), None);
        assert_eq!(autoplay_interval(Some("-3")), None);
        assert_eq!(autoplay_interval(Some("1e9")), None);
        assert_eq!(autoplay_interval(Some("5")), Some(5_000));
        assert_eq!(autoplay_interval(Some(" 2.5 ")), Some(2_500));
        assert_eq!(autoplay_interval(Some("3.05")), Some(3_050));
        assert_eq!(autoplay_interval(Some("3.0509")), Some(3_050));
        assert_eq!(autoplay_interval(Some("0.5")), Some(MIN_AUTOPLAY_MS));
        assert_eq!(autoplay_interval(Some("999999")), Some(MAX_AUTOPLAY_MS));
        assert_eq!(autoplay_interval(Some("99999999999")), None);
    }

    #[test]
    fn in_view_on_a_phone_one_slide_at_a_time() {
        let v = InView::from_ratios(&[1.0, 0.1, 0.0, 0.0]).expect("slides");
        assert_eq!((v.first, v.last, v.at_start, v.at_end), (0, 0, true, false));
        assert_eq!(v.previous(), None);
        assert_eq!(v.next(), Some(1));
        let v = InView::from_ratios(&[0.0, 0.0, 0.02, 1.0]).expect("slides");
        assert_eq!(v.next(), None);
        assert_eq!(v.previous(), Some(2));
        assert_eq!(v.advance(), 0, "autoplay wraps to the start");
        assert_eq!(
            v.position(),
            Position {
                first: 4,
                last: 4,
                count: 4
            }
        );
    }

    #[test]
    fn in_view_on_a_desktop_moves_a_page_at_a_time() {
        // Slides 3–6 in view, 7 peeking.
        let mut ratios = vec![0.0; 12];
        for r in &mut ratios[3..7] {
            *r = 1.0;
        }
        ratios[7] = 0.3;
        let v = InView::from_ratios(&ratios).expect("slides");
        assert_eq!((v.first, v.last, v.page()), (3, 6, 4));
        assert_eq!(v.next(), Some(7));
        assert_eq!(v.previous(), Some(0));
        assert!(v.near(0) && v.near(10) && !v.near(11));
        let landing = v.landing(7);
        assert_eq!((landing.first, landing.last), (8, 11));
        let landing = v.landing(11);
        assert_eq!(
            (landing.first, landing.last),
            (9, 12),
            "the last page is full"
        );
        assert_eq!(v.position().first, 4);
        assert_eq!(v.position().last, 7);
    }

    #[test]
    fn a_slide_wider_than_the_track_still_has_a_position() {
        let v = InView::from_ratios(&[0.2, 0.4, 0.0]).expect("slides");
        assert_eq!((v.first, v.last), (1, 1));
        let v = InView::from_ratios(&[0.3, 0.3, 0.0]).expect("slides");
        assert_eq!((v.first, v.last), (0, 0), "the first of equals");
        assert_eq!(InView::from_ratios(&[]), None);
        assert_eq!(
            InView::from_ratios(&[0.0; 200]),
            None,
            "a hidden banner is not at its end"
        );
    }

    #[test]
    fn before_the_observer_reports_only_the_first_slides_load() {
        let v = InView::initial(200);
        assert!(v.at_start && !v.at_end);
        assert!(v.near(0) && v.near(2) && !v.near(3));
        assert!(InView::initial(1).at_end);
    }

    #[test]
    fn keys_follow_reading_direction() {
        assert_eq!(key_target("ArrowRight", 2, 5, false), Some(3));
        assert_eq!(key_target("ArrowLeft", 2, 5, false), Some(1));
        assert_eq!(key_target("ArrowRight", 2, 5, true), Some(1));
        assert_eq!(key_target("ArrowLeft", 2, 5, true), Some(3));
        assert_eq!(key_target("ArrowRight", 4, 5, false), Some(4));
        assert_eq!(key_target("ArrowLeft", 0, 5, false), Some(0));
        assert_eq!(key_target("Home", 3, 5, false), Some(0));
        assert_eq!(key_target("End", 0, 5, true), Some(4));
        assert_eq!(key_target("Enter", 0, 5, false), None);
        assert_eq!(key_target("Home", 0, 0, false), None);
    }

    #[test]
    fn dots_only_for_a_few_slides() {
        assert!(!shows_dots(1));
        assert!(shows_dots(2));
        assert!(shows_dots(MAX_DOTS));
        assert!(!shows_dots(MAX_DOTS + 1));
    }

    #[test]
    fn autoplay_runs_only_when_nobody_minds() {
        let on = Autoplay {
            interval_ms: Some(4000),
            ..Autoplay::default()
        };
        assert_eq!(on.running(), Some(4000));
        assert_eq!(on.live(), "off");
        assert_eq!(Autoplay::default().running(), None, "off by default");
        for stopped in [
            Autoplay {
                reduced_motion: true,
                ..on
            },
            Autoplay {
                hovered: true,
                ..on
            },
            Autoplay {
                focused: true,
                ..on
            },
            Autoplay { hidden: true, ..on },
            Autoplay {
                paused_by_user: true,
                ..on
            },
            Autoplay { buying: true, ..on },
        ] {
            assert_eq!(stopped.running(), None, "{stopped:?}");
            assert_eq!(stopped.live(), "polite");
        }
        assert!(
            !Autoplay {
                reduced_motion: true,
                ..on
            }
            .available()
        );
        assert!(
            Autoplay {
                hovered: true,
                ..on
            }
            .available()
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            #[test]
            fn paging_stays_in_bounds_and_reaches_both_ends(
                ratios in proptest::collection::vec(0.0f64..=1.0, 1..40),
            ) {
                let v = InView::from_ratios(&ratios).expect("slides");
                prop_assert!(v.first <= v.last && v.last < ratios.len());
                if let Some(next) = v.next() {
                    prop_assert!(next < ratios.len());
                    prop_assert!(next > v.first || v.first == ratios.len() - 1);
                }
                if let Some(previous) = v.previous() {
                    prop_assert!(previous <= v.first);
                }
                prop_assert!(v.advance() < ratios.len());
            for target in 0..ratios.len() {
                let landing = v.landing(target);
                prop_assert!(landing.first >= 1 && landing.first <= landing.last);
                prop_assert!(landing.last <= ratios.len());
            }
                // Every slide in view may load its image.
                for i in v.first..=v.last {
                    prop_assert!(v.near(i));
                }
            }

            #[test]
            fn keys_never_leave_the_track(
                key in prop_oneof![
                    Just("ArrowLeft"), Just("ArrowRight"), Just("Home"), Just("End"), Just("a")
                ],
                focused in 0usize..100,
                count in 0usize..50,
                rtl: bool,
            ) {
                if let Some(target) = key_target(key, focused, count, rtl) {
                    prop_assert!(target < count);
                }
            }
        }
    }
}
