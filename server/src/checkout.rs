//! ACP checkout sessions: `POST /checkout_sessions` (201), `POST /checkout_sessions/{id}`,
//! `GET /checkout_sessions/{id}`, `POST …/complete`, `POST …/cancel`; and the order page that an
//! order's `permalink_url` points at.
//!
//! Handlers keep only the buyer's choices ([`SessionState`]); every response is rendered fresh by
//! [`pricing::render`] from those choices, the offers and the current stock.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use buycard_acp::checkout::{
    CancelSessionRequest, CheckoutSession, CheckoutSessionCompleteRequest,
    CheckoutSessionCreateRequest, CheckoutSessionUpdateRequest, Message, Order, Status,
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use crate::error::ApiError;
use crate::idempotency::Ticket;
use crate::pricing::{self, SessionState};
use crate::psp::{self, CardBehavior};
use crate::store::{self, NewOrder, Placement, SessionWrite};
use crate::{AppState, now, rfc3339};

/// Parses a JSON body; a type error names the offending field as a JSONPath.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::bad_request("invalid_json", "The request body is not valid JSON", "$")
        } else {
            let param = if path == "." {
                "$".to_owned()
            } else {
                format!("$.{path}")
            };
            ApiError::bad_request("invalid", inner.to_string(), &param)
        }
    })
}

pub(crate) fn json_response(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// What an order page shows, kept with the order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderRecord {
    pub order: Order,
    pub lines: Vec<(String, u32, i64)>,
    pub total: i64,
    pub currency: String,
    pub created_at: String,
    /// What the order page shows (orders placed before it existed have none).
    #[serde(default)]
    pub receipt: Option<crate::receipt::Receipt>,
}

/// How many times a request that lost a race for a session (or a cart) runs again before
/// answering 409.
const RACE_RETRIES: usize = 3;

/// Runs `attempt` again when another request (on any instance) changed the session (or the cart)
/// between its read and its write; answers 409 with `Retry-After` if that keeps happening.
pub(crate) async fn retrying<F, Fut>(mut attempt: F) -> Result<Response, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Response, ApiError>>,
{
    for _ in 1..RACE_RETRIES {
        match attempt().await {
            Err(e) if e.is_concurrent_update() => {
                tracing::debug!("session changed under this request; running it again");
            }
            other => return other,
        }
    }
    attempt().await
}

async fn load(app: &AppState, id: &str) -> Result<SessionState, ApiError> {
    let stored = app.store.sessions.get(id).await?;
    let stored = stored.ok_or_else(ApiError::session_not_found)?;
    let mut state: SessionState =
        serde_json::from_str(&stored.doc).map_err(store::StoreError::from)?;
    state.version = stored.version;
    let expired = time::OffsetDateTime::parse(
        &state.expires_at,
        &time::format_description::well_known::Rfc3339,
    )
    .is_ok_and(|t| t.unix_timestamp() <= now());
    if state.fixed_status.is_none() && expired {
        state.fixed_status = Some(Status::Expired);
    }
    // `in_progress` that outlived the idempotency lease was abandoned by a crash before the order
    // committed (the order and `completed` commit together): the buyer may act again.
    let abandoned = time::OffsetDateTime::parse(
        &state.updated_at,
        &time::format_description::well_known::Rfc3339,
    )
    .is_ok_and(|t| now() - t.unix_timestamp() >= app.idempotency_lease_secs);
    if state.fixed_status == Some(Status::InProgress) && abandoned {
        state.fixed_status = None;
    }
    Ok(state)
}

async fn render(app: &AppState, state: &SessionState) -> Result<CheckoutSession, ApiError> {
    let ids: Vec<String> = state.items.iter().map(|(id, _)| id.clone()).collect();
    let stock: HashMap<String, i64> = app.store.orders.stock(&ids).await?;
    Ok(pricing::render(state, &app.offers, &stock, &app.merchant))
}

/// Renders, stores the state with the idempotency record in one transaction, and answers.
async fn save_and_reply(
    app: &AppState,
    mut state: SessionState,
    status: StatusCode,
    ticket: Option<Ticket>,
) -> Result<Response, ApiError> {
    state.updated_at = rfc3339(now());
    let session = render(app, &state).await?;
    let body = serde_json::to_vec(&session).map_err(|_| ApiError::internal())?;
    let done = ticket.map(|t| t.done(status, &body));
    let json = serde_json::to_string(&state).map_err(|_| ApiError::internal())?;
    let sessions = &app.store.sessions;
    if status == StatusCode::CREATED {
        sessions
            .create(&state.id, &json, done.as_ref(), now())
            .await?;
    } else {
        // Written only if nobody wrote since the read (and there is no order): a request that
        // loaded the session before a concurrent one finished runs again on the new state.
        let write = sessions
            .update(&state.id, state.version, &json, done.as_ref(), now())
            .await?;
        if write == SessionWrite::Stale {
            return Err(ApiError::concurrent_update());
        }
    }
    Ok(json_response(status, body))
}

fn not_modifiable(state: &SessionState) -> Option<ApiError> {
    let status = state.fixed_status?;
    if status == Status::InProgress {
        let mut busy = ApiError::new(
            StatusCode::CONFLICT,
            "invalid_request",
            "conflict",
            "A payment for this checkout session is in progress; retry shortly",
        )
        .param("$.status");
        busy.retry_after = Some(1);
        return Some(busy);
    }
    let word = match status {
        Status::Completed => "completed",
        Status::Canceled => "canceled",
        Status::Expired => "expired",
        _ => return None,
    };
    Some(
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "invalid",
            format!("This checkout session is {word} and cannot change"),
        )
        .param("$.status"),
    )
}

fn validate_items(app: &AppState, items: &[buycard_acp::checkout::Item]) -> Result<(), ApiError> {
    if items.is_empty() {
        return Err(ApiError::bad_request(
            "invalid",
            "At least one item is required",
            "$.line_items",
        ));
    }
    for (index, item) in items.iter().enumerate() {
        if !app.offers.contains_key(&item.id) {
            return Err(ApiError::bad_request(
                "invalid_item_id",
                format!("The item ID '{}' does not exist.", item.id),
                &format!("$.line_items[{index}].id"),
            ));
        }
    }
    Ok(())
}

pub async fn create(
    State(app): State<Arc<AppState>>,
    Extension(ticket): Extension<Ticket>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request: CheckoutSessionCreateRequest = parse(&body)?;
    validate_items(&app, &request.line_items)?;
    let currency = request.currency.to_ascii_lowercase();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(ApiError::bad_request(
            "invalid",
            "currency must be an ISO 4217 code",
            "$.currency",
        ));
    }
    let created = now();
    let state = SessionState {
        id: format!("cs_{}", uuid::Uuid::new_v4().simple()),
        fixed_status: None,
        currency,
        items: pricing::quantities(&request.line_items),
        buyer: request.buyer,
        fulfillment_details: request.fulfillment_details,
        selected: None,
        locale: request.locale,
        created_at: rfc3339(created),
        updated_at: rfc3339(created),
        expires_at: rfc3339(created + app.session_ttl_secs),
        order: None,
        payment_messages: Vec::new(),
        pending_token: None,
        version: 0,
    };
    save_and_reply(&app, state, StatusCode::CREATED, Some(ticket)).await
}

pub async fn update(
    State(app): State<Arc<AppState>>,
    Extension(ticket): Extension<Ticket>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    retrying(|| update_once(&app, ticket.clone(), &id, &body)).await
}

async fn update_once(
    app: &AppState,
    ticket: Ticket,
    id: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let request: CheckoutSessionUpdateRequest = parse(body)?;
    let mut state = load(app, id).await?;
    if let Some(error) = not_modifiable(&state) {
        return Err(error);
    }
    if let Some(items) = &request.line_items {
        validate_items(app, items)?;
        state.items = pricing::quantities(items);
    }
    if let Some(buyer) = request.buyer {
        state.buyer = Some(buyer);
    }
    if let Some(details) = request.fulfillment_details {
        state.fulfillment_details = Some(details);
    }
    if let Some(selected) = request.selected_fulfillment_options {
        let offered = render(app, &state).await?.fulfillment_options;
        for (index, choice) in selected.iter().enumerate() {
            if !offered.iter().any(|o| o.id == choice.option_id) {
                return Err(ApiError::bad_request(
                    "invalid",
                    format!(
                        "Fulfillment option '{}' is not offered for this session",
                        choice.option_id
                    ),
                    &format!("$.selected_fulfillment_options[{index}].option_id"),
                ));
            }
        }
        state.selected = Some(selected);
    }
    // A changed cart or address invalidates a pending authentication and old payment errors.
    if state.fixed_status == Some(Status::AuthenticationRequired) {
        state.fixed_status = None;
        state.pending_token = None;
    }
    state.payment_messages.clear();
    save_and_reply(app, state, StatusCode::OK, Some(ticket)).await
}

pub async fn retrieve(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let state = load(&app, &id).await?;
    let session = render(&app, &state).await?;
    let body = serde_json::to_vec(&session).map_err(|_| ApiError::internal())?;
    Ok(json_response(StatusCode::OK, body))
}

pub async fn cancel(
    State(app): State<Arc<AppState>>,
    Extension(ticket): Extension<Ticket>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if !body.is_empty() {
        let _: CancelSessionRequest = parse(&body)?;
    }
    retrying(|| async {
        let mut state = load(&app, &id).await?;
        if let Some(error) = not_modifiable(&state) {
            return Err(error);
        }
        state.fixed_status = Some(Status::Canceled);
        state.pending_token = None;
        save_and_reply(&app, state, StatusCode::OK, Some(ticket.clone())).await
    })
    .await
}

/// `complete` refused because of a blocking message: the message's code, field and words.
fn refusal(blocker: &Message) -> ApiError {
    ApiError::bad_request(
        blocker.code.as_deref().unwrap_or("invalid"),
        blocker.content.clone(),
        blocker.param.as_deref().unwrap_or("$"),
    )
}

fn declined(content: &str) -> Message {
    Message {
        kind: "error".into(),
        code: Some("payment_declined".into()),
        severity: None,
        resolution: Some("requires_buyer_input".into()),
        param: Some("$.payment_data".into()),
        content_type: "plain".into(),
        content: content.into(),
    }
}

pub async fn complete(
    State(app): State<Arc<AppState>>,
    Extension(ticket): Extension<Ticket>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if app.fault(crate::Fault::Complete500Once) {
        return Err(ApiError::internal());
    }
    let response = retrying(|| complete_session(&app, ticket.clone(), &id, &body)).await?;
    if response.status() == StatusCode::OK && app.fault(crate::Fault::CompleteAnswerLostOnce) {
        return Err(ApiError::new(
            StatusCode::BAD_GATEWAY,
            "service_unavailable",
            "upstream_lost",
            "The answer was lost on the way (injected fault)",
        ));
    }
    Ok(response)
}

async fn complete_session(
    app: &AppState,
    ticket: Ticket,
    id: &str,
    body: &[u8],
) -> Result<Response, ApiError> {
    let request: CheckoutSessionCompleteRequest = parse(body)?;
    let mut state = load(app, id).await?;
    if let Some(error) = not_modifiable(&state) {
        return Err(error);
    }
    if let Some(buyer) = request.buyer {
        state.buyer = Some(buyer);
    }
    let authenticating = state.fixed_status == Some(Status::AuthenticationRequired);
    state.payment_messages.clear();
    let session = render(app, &state).await?;
    if !authenticating && let Some(blocker) = pricing::first_blocker(&session) {
        return Err(refusal(blocker));
    }
    let token_id = request
        .payment_data
        .instrument
        .as_ref()
        .and_then(|i| i.credential.get("token"))
        .and_then(|t| t.as_str())
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::bad_request(
                "missing",
                "A delegated payment token is required",
                "$.payment_data.instrument.credential.token",
            )
        })?;
    let total = session.total().unwrap_or(0);
    let token = psp::redeemable(app, &token_id, &state.id, &state.currency, total, now()).await?;

    let authenticated = match (authenticating, &request.authentication_result) {
        (true, None) => {
            return Err(ApiError::bad_request(
                "requires_3ds",
                "This payment needs 3-D Secure authentication; send authentication_result",
                "$.authentication_result",
            ));
        }
        (true, Some(result)) => {
            if !matches!(
                result.outcome.as_str(),
                "authenticated" | "attempt_acknowledged"
            ) {
                state.fixed_status = None;
                state.pending_token = None;
                state.payment_messages = vec![declined(
                    "Card authentication failed. Please try another card.",
                )];
                psp::spend_declined(app, token).await?;
                return save_and_reply(app, state, StatusCode::OK, Some(ticket)).await;
            }
            true
        }
        (false, _) => false,
    };

    match token.behavior {
        CardBehavior::Decline => {
            state.payment_messages = vec![declined(
                "Your card was declined. Please try a different card.",
            )];
            psp::spend_declined(app, token).await?;
            save_and_reply(app, state, StatusCode::OK, Some(ticket)).await
        }
        CardBehavior::ThreeDs if !authenticated => {
            state.fixed_status = Some(Status::AuthenticationRequired);
            state.pending_token = Some(token.id.clone());
            save_and_reply(app, state, StatusCode::OK, Some(ticket)).await
        }
        _ => place(app, state, session, token.id, ticket).await,
    }
}

/// The reference a buyer reads out on the phone: the merchant's initials and eight characters of
/// Crockford's base 32 (no I, L, O or U to misread), in two groups: `LP-4F7K-2Q9X`. Forty bits
/// of the order's random id: a clash inside one shop is a one-in-a-million event after about a
/// million orders, and the order's `id` stays the key.
fn order_number(merchant_id: &str, random: &[u8; 16]) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let initials: String = merchant_id
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter_map(|word| word.chars().next())
        .map(|c| c.to_ascii_uppercase())
        .take(3)
        .collect();
    let bits = random[..5]
        .iter()
        .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
    let code: String = (0..8)
        .rev()
        .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
        .collect();
    let prefix = if initials.is_empty() {
        "O".to_owned()
    } else {
        initials
    };
    format!("{prefix}-{}-{}", &code[..4], &code[4..])
}

async fn place(
    app: &AppState,
    mut state: SessionState,
    session: CheckoutSession,
    token_id: String,
    ticket: Ticket,
) -> Result<Response, ApiError> {
    let uuid = uuid::Uuid::new_v4();
    let order_id = format!("ord_{}", uuid.simple());
    let order = Order {
        id: order_id.clone(),
        checkout_session_id: state.id.clone(),
        permalink_url: format!("{}/orders/{order_id}", app.merchant.public_url),
        order_number: Some(order_number(&app.merchant.id, uuid.as_bytes())),
        extra: Default::default(),
    };
    let record = OrderRecord {
        order: order.clone(),
        lines: session
            .line_items
            .iter()
            .map(|l| {
                (
                    l.name.clone().unwrap_or_default(),
                    l.quantity,
                    l.totals.last().map(|t| t.amount).unwrap_or(0),
                )
            })
            .collect(),
        total: session.total().unwrap_or(0),
        currency: state.currency.clone(),
        created_at: rfc3339(now()),
        receipt: Some(crate::receipt::Receipt::of(&session)),
    };
    let take: Vec<(String, u32)> = state.items.clone();
    let before = state.clone();
    // Visible to GET while the payment is taken; `completed` and the order replace it atomically.
    let mut marked = state.clone();
    marked.fixed_status = Some(Status::InProgress);
    marked.updated_at = rfc3339(now());
    let marked_json = serde_json::to_string(&marked).map_err(|_| ApiError::internal())?;
    let marked_version = match app
        .store
        .sessions
        .update(&marked.id, state.version, &marked_json, None, now())
        .await?
    {
        SessionWrite::Written(version) => version,
        SessionWrite::Stale => return Err(ApiError::concurrent_update()),
    };
    if app.fault(crate::Fault::CompleteSlowOnce) {
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
    state.fixed_status = Some(Status::Completed);
    state.order = Some(order);
    state.pending_token = None;
    state.updated_at = rfc3339(now());
    let completed = pricing::render(&state, &app.offers, &HashMap::new(), &app.merchant);
    let body = serde_json::to_vec(&completed).map_err(|_| ApiError::internal())?;
    let done = ticket.done(StatusCode::OK, &body);
    let session_json = serde_json::to_string(&state).map_err(|_| ApiError::internal())?;
    let order_json = serde_json::to_string(&record).map_err(|_| ApiError::internal())?;
    let placement = app
        .store
        .orders
        .place(&NewOrder {
            session_id: state.id.clone(),
            session_version: marked_version,
            session_doc: session_json,
            order_id: order_id.clone(),
            order_doc: order_json,
            token_id,
            take,
            idem: Some(done),
            now: now(),
        })
        .await?;
    match placement {
        Placement::Placed => {
            tracing::info!(order = %order_id, session = %state.id, "order placed");
            Ok(json_response(StatusCode::OK, body))
        }
        // Sold out between the check and the payment: nothing was charged or written, and the
        // answer is the same as for a buyer who arrived after the last unit went.
        Placement::OutOfStock(_) => {
            let restored = serde_json::to_string(&before).map_err(|_| ApiError::internal())?;
            // If someone else wrote meanwhile, theirs stands; this one only undoes the mark.
            app.store
                .sessions
                .update(&before.id, marked_version, &restored, None, now())
                .await?;
            let session = render(app, &before).await?;
            Err(pricing::first_blocker(&session)
                .map(refusal)
                .unwrap_or_else(|| {
                    ApiError::bad_request(
                        "out_of_stock",
                        "This item has just sold out",
                        "$.line_items",
                    )
                }))
        }
        Placement::AlreadyCompleted => Err(completed_error()),
        Placement::Stale => Err(ApiError::concurrent_update()),
        Placement::TokenSpent => Err(ApiError::bad_request(
            "invalid",
            "This payment token has already been used",
            "$.payment_data.instrument.credential.token",
        )),
    }
}

fn completed_error() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request",
        "invalid",
        "This checkout session is completed and cannot change",
    )
    .param("$.status")
}

/// The page an order's `permalink_url` opens.
pub async fn order_page(
    State(app): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let record: Option<OrderRecord> = store::decode(app.store.orders.get(&id).await?)?;
    let Some(record) = record else {
        return Ok((
            StatusCode::NOT_FOUND,
            Html(
                "<!doctype html><title>Order not found</title><h1>Order not found</h1>".to_owned(),
            ),
        )
            .into_response());
    };
    let receipt = record
        .receipt
        .clone()
        .unwrap_or_else(|| crate::receipt::Receipt {
            lines: record
                .lines
                .iter()
                .map(|(name, quantity, amount)| crate::receipt::ReceiptLine {
                    name: name.clone(),
                    quantity: *quantity,
                    unit_amount: amount / i64::from((*quantity).max(1)),
                    amount: *amount,
                })
                .collect(),
            totals: vec![("Total".into(), record.total, true)],
            ..Default::default()
        });
    // The buyer's reference; orders placed before order numbers existed show their id.
    let reference = record
        .order
        .order_number
        .as_deref()
        .unwrap_or(&record.order.id);
    Ok(Html(crate::receipt::page(
        reference,
        &record.created_at,
        &record.currency,
        &receipt,
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::order_number;

    #[test]
    fn order_numbers_are_short_unambiguous_and_carry_the_shops_initials() {
        let mut random = [0u8; 16];
        random[..5].copy_from_slice(&[0xff, 0x00, 0x12, 0x34, 0x56]);
        let number = order_number("lantern-press", &random);
        assert_eq!(number, "LP-ZW01-4D2P"); // 11111 11100 00000 00001 00100 01101 00010 10110
        assert_eq!(order_number("harbor-records", &[0; 16]), "HR-0000-0000");
        assert_eq!(order_number("---", &[0; 16]), "O-0000-0000");
        for byte in 0..=255u8 {
            let number = order_number("shop", &[byte; 16]);
            assert!(
                !number.contains(['I', 'L', 'O', 'U']) || number.starts_with('O'),
                "{number}"
            );
            assert_eq!(number.len(), "S-XXXX-XXXX".len());
        }
    }
}
