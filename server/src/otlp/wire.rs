//! OTLP/HTTP on the wire: a request body (protobuf or JSON, maybe gzipped) into an export
//! request, and answers in the request's own encoding.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTracePartialSuccess, ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use prost::Message;
use std::io::Read;

/// Largest body accepted once decompressed.
pub const MAX_DECODED: usize = 32 * 1024 * 1024;

/// How the request (and so the answer) is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    /// The name stored with a batch.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Protobuf => "protobuf",
            Encoding::Json => "json",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }

    /// The encoding a request's content type names; JSON when it names none we know, so that
    /// errors about it are readable.
    pub fn of(headers: &HeaderMap) -> Result<Self, Self> {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match content_type.as_str() {
            "application/x-protobuf" | "application/protobuf" => Ok(Encoding::Protobuf),
            "application/json" => Ok(Encoding::Json),
            _ => Err(Encoding::Json),
        }
    }
}

/// `google.rpc.Status`, the body of an OTLP error answer.
#[derive(Clone, PartialEq, Message)]
pub struct Status {
    #[prost(int32, tag = "1")]
    pub code: i32,
    #[prost(string, tag = "2")]
    pub message: String,
}

/// An answer that is not a success: its HTTP status and message, in the request's encoding.
#[derive(Debug)]
pub struct Failure {
    pub status: StatusCode,
    pub message: String,
    pub encoding: Encoding,
}

impl Failure {
    pub fn new(status: StatusCode, message: impl Into<String>, encoding: Encoding) -> Self {
        Self {
            status,
            message: message.into(),
            encoding,
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        // gRPC codes: INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND, …
        let code = match self.status.as_u16() {
            400 | 413 | 415 | 422 => 3,
            401 => 16,
            403 => 7,
            404 => 5,
            429 => 8,
            503 => 14,
            _ => 13,
        };
        let status = Status {
            code,
            message: self.message,
        };
        let body = match self.encoding {
            Encoding::Protobuf => status.encode_to_vec(),
            Encoding::Json => {
                serde_json::to_vec(&serde_json::json!({"code": status.code, "message": status.message}))
                    .unwrap_or_default()
            }
        };
        answer(self.status, self.encoding, body)
    }
}

/// Decodes a request body: gunzipped when `Content-Encoding: gzip`, then parsed by the content
/// type. Errors are 400 (malformed), 413 (too large) or 415 (unknown type or encoding).
pub fn decode(headers: &HeaderMap, body: &[u8]) -> Result<(ExportTraceServiceRequest, Encoding), Failure> {
    let encoding = Encoding::of(headers).map_err(|fallback| {
        Failure::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be application/x-protobuf or application/json",
            fallback,
        )
    })?;
    let compression = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    let inflated;
    let bytes: &[u8] = match compression.as_str() {
        "" | "identity" => body,
        "gzip" => {
            let mut out = Vec::new();
            let read = flate2::read::GzDecoder::new(body)
                .take(MAX_DECODED as u64 + 1)
                .read_to_end(&mut out);
            if let Err(error) = read {
                return Err(Failure::new(
                    StatusCode::BAD_REQUEST,
                    format!("the body is not valid gzip: {error}"),
                    encoding,
                ));
            }
            if out.len() > MAX_DECODED {
                return Err(Failure::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the body is larger than {} MiB once decompressed",
                        MAX_DECODED >> 20
                    ),
                    encoding,
                ));
            }
            inflated = out;
            &inflated
        }
        other => {
            return Err(Failure::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Content-Encoding '{other}' is not supported (use gzip or none)"),
                encoding,
            ))
        }
    };
    let request = match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(bytes)
            .map_err(|e| format!("the body is not an OTLP ExportTraceServiceRequest in protobuf: {e}")),
        Encoding::Json => serde_json::from_slice::<serde_json::Value>(bytes)
            .map_err(|e| e.to_string())
            .and_then(|value| {
                // serde would read a message written as an array; OTLP JSON writes objects.
                let objects = value["resourceSpans"]
                    .as_array()
                    .is_some_and(|items| items.iter().all(serde_json::Value::is_object));
                if !objects {
                    return Err("resourceSpans must be a list of objects".to_owned());
                }
                serde_json::from_value(value).map_err(|e| e.to_string())
            })
            .map_err(|e| format!("the body is not an OTLP ExportTraceServiceRequest in JSON: {e}")),
    }
    .map_err(|message| Failure::new(StatusCode::BAD_REQUEST, message, encoding))?;
    Ok((request, encoding))
}

/// The success answer: empty, or a partial success naming the refused spans.
pub fn success(encoding: Encoding, rejected: u32, message: String) -> Response {
    let response = ExportTraceServiceResponse {
        partial_success: (rejected > 0).then(|| ExportTracePartialSuccess {
            rejected_spans: i64::from(rejected),
            error_message: message,
        }),
    };
    let body = match encoding {
        Encoding::Protobuf => response.encode_to_vec(),
        Encoding::Json => serde_json::to_vec(&response).unwrap_or_default(),
    };
    answer(StatusCode::OK, encoding, body)
}

fn answer(status: StatusCode, encoding: Encoding, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(encoding.content_type()),
    );
    response
}
