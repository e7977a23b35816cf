//! The new buyer's sheet, one path from top to bottom: the country, contact and address (sent
//! to the merchant with Continue, so delivery and tax follow), then the delivery choice and the
//! merchant's total, then the card and a Pay button that names the amount.
//!
//! What is typed lives in [`Form`], owned by the buy flow rather than by the sheet, so nothing
//! is lost when the sheet is drawn again (after an error, a declined card). The contact and
//! address are also kept in the tab's session storage until an order is placed, so a reload
//! does not lose them; the card's number, expiry and security code never are.
//!
//! The address form and the card form are parts of their own ([`Parts::address_form`],
//! [`Parts::card_form`]) that report through [`Actions`]: the single card's sheet
//! ([`details_sheet`]) puts the merchant's totals and delivery choice between them, and the
//! cart's checkout (`web::cart_pay`) asks the address once for every shop, then shows each
//! shop's totals above the card.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};

use super::buy::{Ctx, dispatch, money, summary, waiting};
use crate::core::checkout::Session;
use crate::core::checkout_error::CheckoutError;
use crate::core::details::card::{
    Edit, Typed, card_brand, digits_of, format_card_number, format_cvc, format_expiry,
};
use crate::core::details::postal::default_country_with_hints;
use crate::core::details::{
    AddressForm, COUNTRIES, CardForm, Field, Problems, check_address, check_card, country_name,
    needs_state,
};
use crate::core::flow::{AddressEntry, CardPayment, Event};
use crate::core::i18n::{Lang, Locale, Msg, pay_label};

/// What a new buyer types, kept across re-renders and errors.
#[derive(Clone, Copy)]
pub(super) struct Form {
    email: RwSignal<String>,
    name: RwSignal<String>,
    country: RwSignal<String>,
    line_one: RwSignal<String>,
    line_two: RwSignal<String>,
    city: RwSignal<String>,
    state: RwSignal<String>,
    postal_code: RwSignal<String>,
    number: RwSignal<String>,
    expiry: RwSignal<String>,
    cvc: RwSignal<String>,
    /// "Save for one-click": off until the buyer ticks it.
    save: RwSignal<bool>,
    problems: RwSignal<Problems>,
    /// The address last sent to the merchant: the total shown is for it.
    sent: RwSignal<Option<AddressForm>>,
    /// The card number last paid with, to mark the field while it still holds a declined card.
    paid_with: RwSignal<String>,
}

impl Form {
    /// A form for one card's purchases: the draft this tab kept under `draft_key`, or an empty
    /// one in the reader's country. The draft follows what is typed and is forgotten once
    /// `placed`.
    pub(super) fn new(locale: &Locale, draft_key: String, placed: Memo<bool>) -> Self {
        let draft = draft::load(&draft_key).unwrap_or_default();
        let country = Some(draft.country.clone())
            .filter(|code| COUNTRIES.iter().any(|(listed, ..)| listed == code))
            .unwrap_or_else(|| default_country(locale).to_owned());
        let form = Self {
            email: RwSignal::new(draft.email),
            name: RwSignal::new(draft.name),
            country: RwSignal::new(country),
            line_one: RwSignal::new(draft.line_one),
            line_two: RwSignal::new(draft.line_two),
            city: RwSignal::new(draft.city),
            state: RwSignal::new(draft.state),
            postal_code: RwSignal::new(draft.postal_code),
            number: RwSignal::new(String::new()),
            expiry: RwSignal::new(String::new()),
            cvc: RwSignal::new(String::new()),
            save: RwSignal::new(false),
            problems: RwSignal::new(Vec::new()),
            sent: RwSignal::new(None),
            paid_with: RwSignal::new(String::new()),
        };
        // An effect rather than the fields' handlers: whatever changes the address (typing,
        // autofill, the country picker, the postal code rewritten on Continue) is kept.
        let key = draft_key.clone();
        Effect::new(move |_| draft::store(&key, &form.address()));
        Effect::new(move |_| {
            if placed.get() {
                draft::forget(&draft_key);
            }
        });
        form
    }

    /// The address step as typed (tracked: an effect or a memo reading it follows every key).
    fn address(&self) -> AddressForm {
        AddressForm {
            email: self.email.get(),
            name: self.name.get(),
            country: self.country.get(),
            line_one: self.line_one.get(),
            line_two: self.line_two.get(),
            city: self.city.get(),
            state: self.state.get(),
            postal_code: self.postal_code.get(),
        }
    }

    fn address_untracked(&self) -> AddressForm {
        untrack(|| self.address())
    }

    fn card(&self) -> CardForm {
        CardForm {
            number: self.number.get_untracked(),
            expiry: self.expiry.get_untracked(),
            cvc: self.cvc.get_untracked(),
        }
    }

    /// Forgets the card's fields (the cart's checkout is over: nothing of the card stays).
    pub(super) fn forget_card(&self) {
        for field in [self.number, self.expiry, self.cvc, self.paid_with] {
            field.set(String::new());
        }
    }

    fn problem(&self, field: Field) -> Option<Msg> {
        self.problems
            .with(|p| p.iter().find(|(f, _)| *f == field).map(|(_, m)| *m))
    }

    /// The buyer is fixing `field`: its message goes until the next check.
    fn clear(&self, field: Field) {
        if self.problem(field).is_some() {
            self.problems.update(|p| p.retain(|(f, _)| *f != field));
        }
    }
}

/// The country a new form starts with: the reader's locale, or their browser's region when the
/// locale names only a language.
fn default_country(locale: &Locale) -> &'static str {
    let browser: Vec<String> = web_sys::window()
        .map(|w| w.navigator().languages())
        .map(|languages| languages.iter().filter_map(|l| l.as_string()).collect())
        .unwrap_or_default();
    default_country_with_hints(locale.tag(), browser.iter().map(String::as_str))
}

/// The contact and address in the tab's session storage (best effort: storage may be off).
mod draft {
    use crate::core::details::AddressForm;

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.session_storage().ok()?
    }

    pub fn load(key: &str) -> Option<AddressForm> {
        AddressForm::from_draft(&storage()?.get_item(key).ok()??)
    }

    pub fn store(key: &str, form: &AddressForm) {
        let Some(storage) = storage() else { return };
        if form.is_blank() {
            _ = storage.remove_item(key);
        } else {
            _ = storage.set_item(key, &form.to_draft());
        }
    }

    pub fn forget(key: &str) {
        if let Some(storage) = storage() {
            _ = storage.remove_item(key);
        }
    }
}

/// (year, month) today, for card expiry checks.
fn today() -> (i32, u32) {
    let now = js_sys::Date::new_0();
    (now.get_full_year() as i32, now.get_month() + 1)
}

/// Moves focus to the first field with a problem, once the messages are drawn (so a screen
/// reader reads the field with its message). The field may be in the other form of the sheet
/// (Pay sends a changed address first).
fn focus_first_problem(event: &web_sys::SubmitEvent, problems: &Problems) {
    let sheet = event
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|form| form.closest(".new-buyer").ok().flatten());
    let (Some((field, _)), Some(sheet)) = (problems.first(), sheet) else {
        return;
    };
    let selector = format!("#bc-{}", field.as_str());
    request_animation_frame(move || {
        if let Ok(Some(element)) = sheet.query_selector(&selector)
            && let Ok(element) = element.dyn_into::<HtmlElement>()
        {
            _ = element.focus();
        }
    });
}

/// What the form's parts tell whoever runs the checkout (the card's flow, the cart's checkout),
/// and what they need to know of it.
#[derive(Clone, Copy)]
pub(super) struct Actions {
    /// The contact and address, checked. `false`: they cannot be taken now (a request is on its
    /// way), and the form keeps them as not sent.
    pub address: Callback<AddressEntry, bool>,
    /// The card, checked.
    pub pay: Callback<CardPayment>,
    /// The bank declined the card last paid with.
    pub declined: Signal<bool>,
    /// Pay works (the cart's confirmation must be shown a moment first).
    pub armed: Signal<bool>,
}

/// What the sheet's parts share.
#[derive(Clone, Copy)]
pub(super) struct Parts {
    pub form: Form,
    pub lang: Lang,
    pub actions: Actions,
}

impl Parts {
    /// Whether the card-number field holds the card the bank just declined.
    fn declined(self) -> bool {
        self.actions.declined.get() && self.form.number.with(|n| *n == self.form.paid_with.get())
    }

    /// The message beside `field`, if any.
    fn message(self, field: Field) -> Option<String> {
        let declined = field == Field::CardNumber && self.declined();
        self.form
            .problem(field)
            .or(declined.then_some(Msg::ErrFieldCardDeclined))
            .map(|m| m.text(self.lang))
    }

    /// What was typed, rewritten as the field writes it (the card's fields), with the caret
    /// after the same digit.
    fn on_input(self, field: Field, value: RwSignal<String>, event: web_sys::Event) {
        let Some(element) = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        else {
            return;
        };
        let typed = element.value();
        self.form.clear(field);
        let previous = value.get_untracked();
        let edit = event
            .dyn_ref::<web_sys::InputEvent>()
            .map_or(Edit::Insert, |e| Edit::from_input_type(&e.input_type()));
        let caret = element
            .selection_start()
            .ok()
            .flatten()
            .map_or(typed.encode_utf16().count(), |c| c as usize);
        let rewritten = match field {
            Field::CardNumber => Some(format_card_number(&previous, &typed, caret, edit)),
            Field::Expiry => Some(format_expiry(&previous, &typed, caret, edit)),
            Field::Cvc => {
                let brand = self
                    .form
                    .number
                    .with_untracked(|n| card_brand(&digits_of(n)));
                let text = format_cvc(&typed, brand);
                let caret = text.len();
                Some(Typed { text, caret })
            }
            _ => None,
        };
        let Some(rewritten) = rewritten else {
            value.set(typed);
            return;
        };
        if rewritten.text != typed {
            // Setting the value puts the caret at the end: put it back after the digit typed.
            element.set_value(&rewritten.text);
            let caret = u32::try_from(rewritten.caret).unwrap_or(u32::MAX);
            _ = element.set_selection_range(caret, caret);
        }
        value.set(rewritten.text);
    }

    /// One labelled input, its problem beside it (`aria-invalid`, `aria-describedby`); the card
    /// number's brand beside its label (`bc-card_number-brand`, also describing the input).
    /// One function for every field, not one per field: each distinct view is more wasm.
    fn field(self, field: Field, value: RwSignal<String>) -> impl IntoView {
        let Parts { form, lang, .. } = self;
        let id = format!("bc-{}", field.as_str());
        let error_id = format!("{id}-error");
        let card_number = field == Field::CardNumber;
        let described = if card_number {
            format!("{id}-brand {error_id}")
        } else {
            error_id.clone()
        };
        let error = move || self.message(field);
        let brand = move || form.number.with(|n| card_brand(&digits_of(n)));
        let badge = card_number.then(|| {
            view! {
                <span
                    class="brand"
                    id="bc-card_number-brand"
                    data-brand=move || brand().map(|b| b.as_str())
                    hidden=move || brand().is_none()
                >
                    {move || brand().map(|b| b.name())}
                </span>
            }
        });
        view! {
            <div class="field" data-field=field.as_str()>
                <div class="label-row">
                    <label for=id.clone()>
                        {move || form.country.with(|c| field.label_in(c)).text(lang)}
                    </label>
                    {badge}
                </div>
                <input
                    id=id
                    name=field.as_str()
                    type=field.input_type()
                    autocomplete=field.autocomplete()
                    inputmode=move || form.country.with(|c| field.inputmode(c))
                    placeholder=field.placeholder().map(|m| m.text(lang))
                    spellcheck="false"
                    prop:value=move || value.get()
                    on:input=move |event| self.on_input(field, value, event)
                    aria-invalid=move || error().is_some().to_string()
                    aria-describedby=described
                />
                <p class="field-error" id=error_id>{error}</p>
            </div>
        }
    }
}

impl Parts {
    /// Checks the address and hands it on; every problem at once if it is not right.
    fn submit_address(self) -> Result<(), Problems> {
        let form = self.form;
        let (contact, delivery) = check_address(&form.address_untracked())?;
        // Sent as the country writes it (`K1A 0B1`), and shown so.
        let postal = delivery.address.as_ref().map(|a| a.postal_code.clone());
        if !self.actions.address.run(AddressEntry { contact, delivery }) {
            // Not taken now: the address stays "changed", Continue stays shown.
            return Ok(());
        }
        form.problems.set(Vec::new());
        if let Some(postal) = postal {
            form.postal_code.set(postal);
        }
        form.sent.set(Some(form.address_untracked()));
        Ok(())
    }

    /// The country, contact and address, and Continue while `continue_shown` says so. (Signals,
    /// not closures, as arguments: one copy of the form in the wasm for both sheets.)
    pub(super) fn address_form(self, continue_shown: Signal<bool>) -> AnyView {
        let Parts { form, lang, .. } = self;
        let on_address = move |event: web_sys::SubmitEvent| {
            event.prevent_default();
            if let Err(problems) = self.submit_address() {
                focus_first_problem(&event, &problems);
                form.problems.set(problems);
            }
        };
        let countries = COUNTRIES
            .iter()
            .map(|(code, ..)| {
                let name = country_name(code, lang).unwrap_or(code);
                view! { <option value=*code selected=move || form.country.get() == *code>{name}</option> }
            })
            .collect_view();
        let on_country = move |event: web_sys::Event| {
            form.country.set(event_target_value(&event));
            // Their messages named the last country's codes.
            form.clear(Field::PostalCode);
            form.clear(Field::State);
        };
        let country = view! {
            <div class="field" data-field="country">
                <label for="bc-country">{Field::Country.label().text(lang)}</label>
                <select
                    id="bc-country"
                    name="country"
                    autocomplete=Field::Country.autocomplete()
                    on:change=on_country
                    aria-invalid=move || form.problem(Field::Country).is_some().to_string()
                    aria-describedby="bc-country-error"
                >
                    {countries}
                </select>
                <p class="field-error" id="bc-country-error">
                    {move || form.problem(Field::Country).map(|m| m.text(lang))}
                </p>
            </div>
        };
        let has_state = Memo::new(move |_| form.country.with(|c| needs_state(c)));
        let state = move || {
            has_state
                .get()
                .then(|| self.field(Field::State, form.state))
        };
        let continue_button = move || {
            continue_shown.get().then(|| {
                view! { <button type="submit" class="continue" part="primary">{Msg::Continue.text(lang)}</button> }
            })
        };
        view! {
            <form class="details address" on:submit=on_address novalidate>
                {country}
                {self.field(Field::Email, form.email)}
                {self.field(Field::Name, form.name)}
                {self.field(Field::LineOne, form.line_one)}
                {self.field(Field::LineTwo, form.line_two)}
                <div class="row place" class:with-state=move || has_state.get()>
                    {self.field(Field::City, form.city)}
                    {state}
                    {self.field(Field::PostalCode, form.postal_code)}
                </div>
                {continue_button}
            </form>
        }
        .into_any()
    }

    /// The card, "save for one-click" (`can_save`: signed in to the host's wallet) and a Pay
    /// button saying `pay_text`. An address changed since it was sent is sent first (its total
    /// is shown, and the buyer pays that).
    pub(super) fn card_form(self, can_save: bool, pay_text: Signal<String>) -> AnyView {
        let Parts {
            form,
            lang,
            actions,
        } = self;
        // A declined card: the field holding it is focused, its text selected for another
        // number.
        let card_form = NodeRef::<leptos::html::Form>::new();
        if untrack(|| self.declined()) {
            request_animation_frame(move || {
                let number = card_form
                    .get_untracked()
                    .and_then(|f| f.query_selector("#bc-card_number").ok().flatten())
                    .and_then(|n| n.dyn_into::<HtmlInputElement>().ok());
                if let Some(number) = number {
                    _ = number.focus();
                    number.select();
                }
            });
        }
        // Said beside Pay, where the buyer looks after tapping it.
        let pay_problem = move || {
            actions.declined.get().then(|| {
                view! {
                    <p class="problem pay-problem" role="alert">
                        {CheckoutError::PaymentDeclined.text(lang)}
                    </p>
                }
            })
        };
        let on_pay = move |event: web_sys::SubmitEvent| {
            event.prevent_default();
            if form
                .sent
                .with_untracked(|sent| sent.as_ref() != Some(&form.address_untracked()))
            {
                // The address changed since the total was shown: send it, show the new total,
                // and let the buyer pay that.
                if let Err(problems) = self.submit_address() {
                    focus_first_problem(&event, &problems);
                    form.problems.set(problems);
                }
                return;
            }
            match check_card(&form.card(), &form.name.get_untracked(), today()) {
                Err(problems) => {
                    focus_first_problem(&event, &problems);
                    form.problems.set(problems);
                }
                Ok(card) if actions.armed.get_untracked() => {
                    form.problems.set(Vec::new());
                    form.paid_with.set(form.number.get_untracked());
                    actions.pay.run(CardPayment {
                        card,
                        save: can_save && form.save.get_untracked(),
                    });
                }
                // Pay is not armed yet (it says so): nothing is sent.
                Ok(_) => form.problems.set(Vec::new()),
            }
        };
        // A guest (nobody signed in to the host's wallet) has nowhere to save a card.
        let save = can_save.then(|| {
            view! {
                <label class="save">
                    <input type="checkbox" name="save" bind:checked=form.save />
                    <span>{Msg::SaveForNextTime.text(lang)}</span>
                </label>
            }
        });
        view! {
            <form class="details card-form" on:submit=on_pay novalidate node_ref=card_form>
                <fieldset class="card-fields">
                    <legend>{Msg::CardDetails.text(lang)}</legend>
                    {self.field(Field::CardNumber, form.number)}
                    <div class="row pair">
                        {self.field(Field::Expiry, form.expiry)}
                        {self.field(Field::Cvc, form.cvc)}
                    </div>
                </fieldset>
                {save}
                {pay_problem}
                <button
                    type="submit"
                    class="pay"
                    part="primary"
                    aria-disabled=move || (!actions.armed.get()).then_some("true")
                >
                    {move || pay_text.get()}
                </button>
            </form>
        }
        .into_any()
    }
}

/// The new buyer's sheet: address first; then the merchant's totals, delivery and the card.
pub(super) fn details_sheet(
    ctx: Ctx,
    form: Form,
    locale: Locale,
    can_save: bool,
    shown_price: Option<i64>,
) -> AnyView {
    let lang = locale.lang;
    let actions = Actions {
        address: Callback::new(move |entry: AddressEntry| {
            if waiting(ctx) {
                return false; // The flow would ignore it.
            }
            dispatch(ctx, Event::SubmitAddress(Box::new(entry)));
            true
        }),
        pay: Callback::new(move |card: CardPayment| dispatch(ctx, Event::Pay(Box::new(card)))),
        declined: Signal::derive(move || {
            ctx.notice
                .with(|n| n == &Some(CheckoutError::PaymentDeclined))
        }),
        armed: Signal::stored(true),
    };
    let parts = Parts {
        form,
        lang,
        actions,
    };
    // Everything below reads the flow's signals inside closures, so the sheet is drawn once per
    // visit and only its parts follow the session: focus and the caret stay where they are.
    let ready = Memo::new(move |_| {
        ctx.session
            .with(|s| s.as_ref().is_some_and(Session::is_ready))
    });
    // The total shown is for the address sent: an address changed since must be sent again.
    let changed = Memo::new(move |_| {
        form.sent
            .with(|sent| sent.as_ref() != Some(&form.address()))
    });
    // Continue until the address is in; again once it changes.
    let address_form = parts.address_form(Signal::derive(move || !ready.get() || changed.get()));
    let payment = move || {
        ready
            .get()
            .then(|| payment(ctx, parts, locale.clone(), can_save, shown_price))
    };

    // A declined card is said beside Pay and on the card's field; anything else up here.
    let notice = move || {
        ctx.notice
            .get()
            .filter(|n| *n != CheckoutError::PaymentDeclined)
            .map(|n| view! { <p class="problem" role="alert">{n.text(lang)}</p> })
    };
    view! {
        <div class="new-buyer">
            {notice}
            {address_form}
            {payment}
            <div class="actions">
                <button type="button" class="cancel" on:click=move |_| dispatch(ctx, Event::Cancel)>
                    {Msg::Cancel.text(lang)}
                </button>
            </div>
        </div>
    }
    .into_any()
}

/// A delivery option as the radio list shows it.
#[derive(Clone, PartialEq, Eq)]
struct OptionRow {
    id: String,
    title: String,
    price: String,
}

/// The payment part, once the merchant's total is known: the delivery choice, the totals, then
/// the card form.
fn payment(
    ctx: Ctx,
    parts: Parts,
    locale: Locale,
    can_save: bool,
    shown_price: Option<i64>,
) -> impl IntoView {
    let lang = parts.lang;
    let rows_locale = locale.clone();
    // What the options show, as a memo: a new session with the same options (the answer to a
    // choice) does not redraw them, so the radio just chosen keeps focus.
    let rows = Memo::new(move |_| {
        ctx.session.with(|session| {
            let Some(session) = session.as_ref().filter(|s| s.delivery_options.len() > 1) else {
                return Vec::new();
            };
            session
                .delivery_options
                .iter()
                .map(|option| OptionRow {
                    id: option.id.clone(),
                    title: option.title.clone(),
                    price: option
                        .amount
                        .map(|amount| money(&rows_locale, session, amount))
                        .unwrap_or_default(),
                })
                .collect::<Vec<_>>()
        })
    });
    let option = move |row: OptionRow| {
        let id = row.id;
        let chosen = {
            let id = id.clone();
            move || {
                ctx.session
                    .with(|s| s.as_ref().is_some_and(|s| s.chosen.contains(&id)))
            }
        };
        view! {
            <label class="option">
                <input
                    type="radio"
                    name="delivery"
                    value=id.clone()
                    prop:checked=chosen
                    on:change=move |_| dispatch(ctx, Event::ChooseOption(id.clone()))
                />
                <span class="option-title">{row.title}</span>
                <span class="option-price">{row.price}</span>
            </label>
        }
    };
    let options = move || {
        let rows = rows.get();
        (!rows.is_empty()).then(|| {
            view! {
                <fieldset class="options">
                    <legend>{Msg::Delivery.text(lang)}</legend>
                    {rows.into_iter().map(option).collect_view()}
                </fieldset>
            }
        })
    };
    let summary_locale = locale.clone();
    let totals = move || {
        ctx.session
            .with(|s| s.as_ref().map(|s| summary(&summary_locale, s, shown_price)))
    };
    let pay_text = move || {
        let amount = ctx.session.with(|s| {
            s.as_ref()
                .and_then(|s| s.total().map(|total| money(&locale, s, total)))
        });
        pay_label(lang, amount.as_deref())
    };
    view! {
        <section class="payment">
            {totals}
            {options}
            {parts.card_form(can_save, Signal::derive(pay_text))}
        </section>
    }
}
