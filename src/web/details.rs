//! The new buyer's sheet: contact and address, then the merchant's totals, delivery and the card.

use leptos::prelude::*;

use super::buy::{Ctx, dispatch, money, summary};
use crate::core::checkout::Session;
use crate::core::details::{
    AddressForm, COUNTRIES, CardForm, Field, Problems, check_address, check_card, needs_state,
};
use crate::core::flow::{AddressEntry, CardPayment, Event};
use crate::core::i18n::{Locale, Msg};

/// What a new buyer types, kept across re-renders and errors.
#[derive(Clone, Copy)]
pub(super) struct Form {
    email: RwSignal<String>,
    name: RwSignal<String>,
    country: RwSignal<String>,
    line_one: RwSignal<String>,
    city: RwSignal<String>,
    state: RwSignal<String>,
    postal_code: RwSignal<String>,
    number: RwSignal<String>,
    expiry: RwSignal<String>,
    cvc: RwSignal<String>,
    save: RwSignal<bool>,
    problems: RwSignal<Problems>,
}

impl Form {
    pub(super) fn new(country: &str) -> Self {
        let text = || RwSignal::new(String::new());
        Self {
            email: text(),
            name: text(),
            country: RwSignal::new(country.to_owned()),
            line_one: text(),
            city: text(),
            state: text(),
            postal_code: text(),
            number: text(),
            expiry: text(),
            cvc: text(),
            save: RwSignal::new(true),
            problems: RwSignal::new(Vec::new()),
        }
    }

    fn address(&self) -> AddressForm {
        AddressForm {
            email: self.email.get_untracked(),
            name: self.name.get_untracked(),
            country: self.country.get_untracked(),
            line_one: self.line_one.get_untracked(),
            line_two: String::new(),
            city: self.city.get_untracked(),
            state: self.state.get_untracked(),
            postal_code: self.postal_code.get_untracked(),
        }
    }

    fn card(&self) -> CardForm {
        CardForm {
            number: self.number.get_untracked(),
            expiry: self.expiry.get_untracked(),
            cvc: self.cvc.get_untracked(),
        }
    }
}

/// (year, month) today, for card expiry checks.
fn today() -> (i32, u32) {
    let now = js_sys::Date::new_0();
    (now.get_full_year() as i32, now.get_month() + 1)
}

/// One labelled input, its value kept in `value`, its problem shown beside it.
fn field(
    form: Form,
    lang: crate::core::i18n::Lang,
    which: Field,
    value: RwSignal<String>,
    kind: &'static str,
    autocomplete: &'static str,
) -> impl IntoView + use<> {
    let id = format!("bc-{}", which.as_str());
    let error_id = format!("{id}-error");
    let error = move || {
        form.problems.with(|p| {
            p.iter()
                .find(|(f, _)| *f == which)
                .map(|(_, m)| m.text(lang))
        })
    };
    view! {
        <div class="field" data-field=which.as_str()>
            <label for=id.clone()>{which.label().text(lang)}</label>
            <input
                id=id
                name=which.as_str()
                type=kind
                autocomplete=autocomplete
                bind:value=value
                aria-invalid=move || error().is_some().to_string()
                aria-describedby=error_id.clone()
            />
            <p class="field-error" id=error_id>{error}</p>
        </div>
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
    let session = ctx.session.get();
    let ready = session.as_ref().is_some_and(Session::is_ready);
    let notice = ctx
        .notice
        .get()
        .map(|n| view! { <p class="problem" role="alert">{n.text(lang)}</p> });
    let countries = COUNTRIES
        .iter()
        .map(|(code, en, fr)| {
            let name = if lang == crate::core::i18n::Lang::Fr {
                *fr
            } else {
                *en
            };
            view! { <option value=*code>{name}</option> }
        })
        .collect_view();
    let submit_address = move |event: web_sys::SubmitEvent| {
        event.prevent_default();
        match check_address(&form.address()) {
            Err(problems) => form.problems.set(problems),
            Ok((contact, delivery)) => {
                form.problems.set(Vec::new());
                dispatch(
                    ctx,
                    Event::SubmitAddress(Box::new(AddressEntry { contact, delivery })),
                );
            }
        }
    };
    let address_form = view! {
        <form class="address" on:submit=submit_address novalidate>
            <div class="field" data-field="country">
                <label for="bc-country">{Field::Country.label().text(lang)}</label>
                <select id="bc-country" name="country" autocomplete="country" bind:value=form.country>
                    {countries}
                </select>
            </div>
            {field(form, lang, Field::Email, form.email, "email", "email")}
            {field(form, lang, Field::Name, form.name, "text", "name")}
            {field(form, lang, Field::LineOne, form.line_one, "text", "address-line1")}
            {field(form, lang, Field::City, form.city, "text", "address-level2")}
            {move || needs_state(&form.country.get()).then(|| field(form, lang, Field::State, form.state, "text", "address-level1"))}
            {field(form, lang, Field::PostalCode, form.postal_code, "text", "postal-code")}
            <button type="submit" class="continue">{Msg::Continue.text(lang)}</button>
        </form>
    };
    let payment = session.clone().filter(|_| ready).map(|session| {
        let options = (session.delivery_options.len() > 1).then(|| {
            session
                .delivery_options
                .iter()
                .map(|option| {
                    let price = option
                        .amount
                        .map(|amount| money(&locale, &session, amount))
                        .unwrap_or_default();
                    let id = option.id.clone();
                    let checked = session.chosen.contains(&option.id);
                    view! {
                        <label class="option">
                            <input
                                type="radio"
                                name="delivery"
                                value=id.clone()
                                prop:checked=checked
                                on:change=move |_| dispatch(ctx, Event::ChooseOption(id.clone()))
                            />
                            {option.title.clone()} " " {price}
                        </label>
                    }
                })
                .collect_view()
        });
        let pay = move |event: web_sys::SubmitEvent| {
            event.prevent_default();
            match check_card(&form.card(), &form.name.get_untracked(), today()) {
                Err(problems) => form.problems.set(problems),
                Ok(card) => {
                    form.problems.set(Vec::new());
                    dispatch(
                        ctx,
                        Event::Pay(Box::new(CardPayment {
                            card,
                            save: can_save && form.save.get_untracked(),
                        })),
                    );
                }
            }
        };
        // A guest (nobody signed in to the host's wallet) has nowhere to save a card.
        let save = can_save.then(|| {
            view! {
                <label class="save">
                    <input type="checkbox" name="save" bind:checked=form.save />
                    {Msg::SaveForNextTime.text(lang)}
                </label>
            }
        });
        view! {
            {summary(&locale, &session, shown_price)}
            <fieldset class="options">{options}</fieldset>
            <form class="card-form" on:submit=pay novalidate>
                {field(form, lang, Field::CardNumber, form.number, "text", "cc-number")}
                {field(form, lang, Field::Expiry, form.expiry, "text", "cc-exp")}
                {field(form, lang, Field::Cvc, form.cvc, "text", "cc-csc")}
                {save}
                <button type="submit" class="pay">{Msg::Pay.text(lang)}</button>
            </form>
        }
    });
    view! {
        {notice}
        {address_form}
        {payment}
        <div class="actions">
            <button type="button" class="cancel" on:click=move |_| dispatch(ctx, Event::Cancel)>
                {Msg::Cancel.text(lang)}
            </button>
        </div>
    }
    .into_any()
}
