//! STS error answers: `{"RequestId","HostId","Code","Message","Recommend"}` with a status.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use crate::http_util::json_response;

/// An STS (POP API) error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct StsError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl StsError {
    /// An error with a status, code and message.
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// 400 with this code.
    pub(crate) fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 400 `Missing<Name>` for an absent required parameter.
    pub(crate) fn missing(name: &str) -> Self {
        Self::bad_request(
            &format!("Missing{name}"),
            format!("{name} is mandatory for this action."),
        )
    }

    /// The JSON answer.
    pub(crate) fn into_response(self, request_id: &str) -> Response {
        json_response(
            self.status,
            &json!({
                "RequestId": request_id,
                "HostId": "sts.aliyuncs.com",
                "Code": self.code,
                "Message": self.message,
                "Recommend": format!("https://api.aliyun.com/troubleshoot?q={}&product=Sts", self.code),
            }),
        )
    }
}
