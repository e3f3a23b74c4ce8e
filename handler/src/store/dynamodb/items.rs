//! The items of the DynamoDB store: attribute values, documents, and the conditional,
//! transactional and batch writes the ports are made of.

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Put, TransactWriteItem, WriteRequest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::*;

/// Maps an SDK error to `Unavailable` with a short text: the error code or kind, never a
/// message (which may quote values, i.e. personal data).
pub(super) fn unavailable<E: ProvideErrorMetadata, R>(
    what: &str,
    error: &SdkError<E, R>,
) -> StoreError {
    let reason = match error {
        SdkError::ServiceError(e) => e.err().code().unwrap_or("service error"),
        // Sent, but not answered: the write may have been done.
        SdkError::TimeoutError(_) => {
            return StoreError::Unanswered(format!("dynamodb did not {what} in time"));
        }
        SdkError::ResponseError(_) => {
            return StoreError::Unanswered(format!(
                "dynamodb could not {what}: unreadable response"
            ));
        }
        SdkError::DispatchFailure(_) => "not reachable",
        SdkError::ConstructionFailure(_) => "request not built",
        _ => "unknown error",
    };
    StoreError::Unavailable(format!("dynamodb could not {what}: {reason}"))
}

pub(super) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(super) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(super) fn to_doc<T: Serialize>(value: &T) -> StoreResult<AttributeValue> {
    serde_json::to_string(value)
        .map(AttributeValue::S)
        .map_err(|_| StoreError::Unavailable("could not encode a document".into()))
}

pub(super) fn from_doc<T: DeserializeOwned>(item: &Item) -> StoreResult<T> {
    let Some(doc) = item.get("doc").and_then(|doc| doc.as_s().ok()) else {
        let kind = std::any::type_name::<T>();
        return Err(StoreError::Corrupt(format!("{kind}: no doc attribute of type S")));
    };
    serde_json::from_str(doc).map_err(crate::store::corrupt::<T>)
}

impl DynamoStore {
    /// Writes `item` only if `condition` holds; when it does not, the answer is `refused`.
    pub(super) async fn put_if(
        &self,
        what: &str,
        item: Item,
        condition: &str,
        values: &[(&str, AttributeValue)],
        refused: StoreError,
    ) -> StoreResult<()> {
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition);
        for (name, value) in values {
            request = request.expression_attribute_values(*name, value.clone());
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(refused)
            }
            Err(e) => Err(unavailable(what, &e)),
        }
    }

    /// Writes `items` in one TransactWriteItems, all or none. `Ok(Some(i))` when the condition
    /// of `items[i]` (the first that failed) refused it, and nothing was written. A transaction
    /// that lost to a concurrent one on the same item is tried again ([`TRANSACTION_TRIES`]);
    /// its token makes the SDK's own retries of one attempt idempotent.
    pub(super) async fn transact(
        &self,
        what: &str,
        items: Vec<TransactWriteItem>,
    ) -> StoreResult<Option<usize>> {
        let mut backoff = Duration::from_millis(5);
        for _ in 0..TRANSACTION_TRIES {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .client_request_token(uuid::Uuid::new_v4().to_string())
                .send()
                .await;
            let error = match result {
                Ok(_) => return Ok(None),
                Err(error) => error,
            };
            let reasons = match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                    cancelled.cancellation_reasons()
                }
                _ => return Err(unavailable(what, &error)),
            };
            let code = |reason: &CancellationReason| reason.code().unwrap_or_default().to_string();
            if let Some(refused) = reasons.iter().position(|r| code(r) == "ConditionalCheckFailed")
            {
                return Ok(Some(refused));
            }
            if !reasons.iter().any(|r| code(r) == "TransactionConflict") {
                return Err(unavailable(what, &error));
            }
            backoff *= 2;
            tokio::time::sleep(backoff).await;
        }
        Err(StoreError::Unavailable(format!("dynamodb could not {what}: too much contention")))
    }

    /// A Put in a transaction, written only if `condition` holds (if there is one).
    pub(super) fn put_item_if(
        &self,
        item: Item,
        condition: Option<&str>,
        values: &[(&str, AttributeValue)],
    ) -> StoreResult<TransactWriteItem> {
        let mut put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .set_condition_expression(condition.map(str::to_string));
        for (name, value) in values {
            put = put.expression_attribute_values(*name, value.clone());
        }
        let put = put
            .build()
            .map_err(|e| StoreError::Unavailable(format!("could not build a transaction: {e}")))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    pub(super) async fn put_batch(&self, mut requests: Vec<WriteRequest>) -> StoreResult<()> {
        for attempt in 0..BATCH_TRIES {
            let output = self
                .client
                .batch_write_item()
                .request_items(&self.table, requests)
                .send()
                .await
                .map_err(|e| unavailable("write installations", &e))?;
            requests = output
                .unprocessed_items
                .and_then(|mut unprocessed| unprocessed.remove(&self.table))
                .unwrap_or_default();
            if requests.is_empty() {
                return Ok(());
            }
            // Throttled: back off exponentially (25 ms .. 3.2 s) before trying the rest.
            tokio::time::sleep(Duration::from_millis(25 << attempt)).await;
        }
        Err(StoreError::Unavailable(
            "dynamodb could not write installations: items left unprocessed".into(),
        ))
    }
}

impl DynamoStore {
    /// Deletes the item at `key`; whether there was one.
    pub(super) async fn delete_existing(&self, what: &str, key: Item) -> StoreResult<bool> {
        let output = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| unavailable(what, &e))?;
        Ok(output.attributes().is_some_and(|a| !a.is_empty()))
    }

    /// The documents of every item in the partition `pk`, in SK order, read consistently.
    pub(super) async fn partition_docs<T: DeserializeOwned>(
        &self,
        what: &str,
        pk: String,
    ) -> StoreResult<Vec<T>> {
        let query = self
            .client
            .query()
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(pk));
        self.all_items(what, query).await?.iter().map(from_doc).collect()
    }

    /// The document of the item at `key`, read consistently, if there is one.
    pub(super) async fn get_doc<T: DeserializeOwned>(
        &self,
        what: &str,
        key: Item,
    ) -> StoreResult<Option<T>> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| unavailable(what, &e))?;
        output.item().map(from_doc).transpose()
    }
}
