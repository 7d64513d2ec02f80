//! Reading the salt from Secrets Manager, once per cold start.
//!
//! The deployed function gets `VISITOR_SALT_SECRET_ARN` (never the salt
//! itself) and needs `secretsmanager:GetSecretValue` on that secret. The
//! secret's string is the salt; template.yaml generates it at deploy time.

use platform::config::ConfigError;

use crate::config::Salt;

/// Why the Lambda cannot start. No variant carries the salt.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot read the visitor salt secret {arn}: {reason}")]
    Secret { arn: String, reason: String },
    #[error("the visitor salt secret {arn} is unusable: {reason}")]
    BadSecret { arn: String, reason: String },
}

/// Reads the salt from the secret `arn`. The endpoint follows the standard
/// AWS configuration (`AWS_ENDPOINT_URL_SECRETS_MANAGER` included).
pub async fn fetch(arn: &str) -> Result<Salt, StartupError> {
    // The same timeouts, retry mode and HTTPS client as the DynamoDB client.
    let shared = platform::dynamo::sdk_config().await;
    fetch_with(&aws_sdk_secretsmanager::Client::new(&shared), arn).await
}

/// [`fetch`] with a given client.
pub async fn fetch_with(
    client: &aws_sdk_secretsmanager::Client,
    arn: &str,
) -> Result<Salt, StartupError> {
    let output = client
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|e| StartupError::Secret {
            arn: arn.to_owned(),
            reason: aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
        })?;
    let value = output
        .secret_string()
        .ok_or_else(|| StartupError::BadSecret {
            arn: arn.to_owned(),
            reason: "it has no string value".into(),
        })?;
    Salt::new(value).map_err(|reason| StartupError::BadSecret {
        arn: arn.to_owned(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_secretsmanager::config::{Credentials, Region};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const ARN: &str = "arn:aws:secretsmanager:us-east-1:123456789012:secret:salt-AbCdEf";

    /// Answers one Secrets Manager call with `status` and `body`; hands back
    /// the request it received.
    async fn answer_once(
        status: u16,
        body: &'static str,
    ) -> (String, tokio::task::JoinHandle<String>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let handle = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            loop {
                let n = socket.read(&mut buf).await.unwrap();
                request.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&request).to_string();
                if let Some((head, rest)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if rest.len() >= length {
                        break;
                    }
                }
            }
            let response = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
            String::from_utf8_lossy(&request).to_string()
        });
        (url, handle)
    }

    fn client(url: &str) -> aws_sdk_secretsmanager::Client {
        let config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version_latest()
            .endpoint_url(url)
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .build();
        aws_sdk_secretsmanager::Client::from_conf(config)
    }

    #[tokio::test]
    async fn the_salt_is_the_secret_string_of_the_named_secret() {
        let (url, request) = answer_once(
            200,
            r#"{"ARN":"x","Name":"salt","SecretString":"k3y-from-secrets-manager-0123456789"}"#,
        )
        .await;
        let salt = fetch_with(&client(&url), ARN).await.unwrap();
        assert_eq!(salt.expose(), "k3y-from-secrets-manager-0123456789");
        let request = request.await.unwrap().to_ascii_lowercase();
        assert!(
            request.contains("x-amz-target: secretsmanager.getsecretvalue"),
            "{request}"
        );
        assert!(request.contains(&ARN.to_ascii_lowercase()), "{request}");
    }

    #[tokio::test]
    async fn a_short_missing_or_unreadable_secret_stops_start_up_without_showing_it() {
        let (url, _) = answer_once(200, r#"{"SecretString":"short"}"#).await;
        let err = fetch_with(&client(&url), ARN).await.unwrap_err();
        assert!(matches!(err, StartupError::BadSecret { .. }), "{err}");
        assert!(!err.to_string().contains("short\""), "{err}");

        let (url, _) = answer_once(200, r#"{"SecretBinary":"AAEC"}"#).await;
        let err = fetch_with(&client(&url), ARN).await.unwrap_err();
        assert!(err.to_string().contains("no string value"), "{err}");

        let (url, _) = answer_once(
            400,
            r#"{"__type":"AccessDeniedException","message":"not allowed"}"#,
        )
        .await;
        let err = fetch_with(&client(&url), ARN).await.unwrap_err();
        assert!(matches!(err, StartupError::Secret { .. }), "{err}");
        assert!(err.to_string().contains(ARN), "{err}");
    }
}
