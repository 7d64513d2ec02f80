//! The SDK's HTTPS client, trusting the system's CA bundle file.
//!
//! The SDK's default client (rustls with aws-lc, proxy settings from the
//! environment) trusts the "native roots": the CA bundle file *and* every
//! file in each system certificate directory. On Lambda (Amazon Linux 2023)
//! and Debian those directories hold the same certificates again (the bundle
//! itself, or one file per certificate), so reading them costs a cold start
//! milliseconds and gains no trust. This client is that same default with
//! the bundle file's certificates only. Without a usable bundle file it is
//! not used, and the SDK default stays.
//!
//! Measured against the alternative (the SDK default plus `SSL_CERT_FILE`) with `make bench`,
//! DynamoDB Local behind TLS, on one build: this client vs the SDK default
//! reading the same bundle through `SSL_CERT_FILE`. Init + first invoke, ms,
//! per function (resume, counter, manager): 785/892/765 vs 935/850/803 with
//! init at the 128 MB CPU share, 876/973/872 vs 848/823/798 with init at a
//! full CPU (bench/NOTES.md). The two are the same within the noise. It stays
//! because the alternative needs `SSL_CERT_FILE` set per platform: Amazon
//! Linux 2023 keeps the bundle at /etc/pki/tls/certs/ca-bundle.crt, the
//! Debian stand-in image of `make sam-local-test` at
//! /etc/ssl/certs/ca-certificates.crt (the SDK's default client without any
//! root certificate was seen to panic there), while this one finds the
//! bundle itself (openssl-probe) and otherwise leaves the SDK default alone.

use aws_sdk_dynamodb::config::SharedHttpClient;
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_http_client::{Builder, ConnectorBuilder};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// The HTTPS client for AWS SDK clients, or `None` to keep the SDK default.
pub fn https_client() -> Option<SharedHttpClient> {
    // The bundle rustls-native-certs would read: `SSL_CERT_FILE`, else the
    // first of OpenSSL's well-known bundle paths that exists.
    let path = openssl_probe::probe().cert_file?;
    let pem = std::fs::read(&path).ok()?;
    let count = trust_anchors(&pem)?;
    tracing::debug!(bundle = %path.display(), certificates = count, "trusting the system CA bundle");
    let context = TlsContext::builder()
        .with_trust_store(TrustStore::empty().with_pem_certificate(pem))
        .build()
        .ok()?;
    // As aws-smithy-runtime's `default_https_client` builds it.
    Some(
        Builder::new().build_with_connector_fn(move |settings, components| {
            let mut builder = ConnectorBuilder::default()
                .tls_provider(tls::Provider::Rustls(
                    tls::rustls_provider::CryptoMode::AwsLc,
                ))
                .tls_context(context.clone());
            builder.set_connector_settings(settings.cloned());
            if let Some(components) = components {
                builder.set_sleep_impl(components.sleep_impl());
            }
            builder.set_proxy_config(Some(ProxyConfig::from_env()));
            builder.build()
        }),
    )
}

/// How many certificates `pem` holds, if every one of them is a usable
/// trust anchor. The SDK refuses (panics on) a trust store with a
/// certificate it cannot parse, so a bundle with any such certificate is
/// not used at all (the default path skips bad ones on its own).
pub fn trust_anchors(pem: &[u8]) -> Option<usize> {
    let mut count = 0;
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.ok()?;
        webpki::anchor_from_trusted_cert(&cert).ok()?;
        count += 1;
    }
    (count > 0).then_some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    // ISRG Root X1 (Let's Encrypt), a real self-signed root.
    const ISRG_ROOT_X1: &str = "-----BEGIN CERTIFICATE-----
MIIFazCCA1OgAwIBAgIRAIIQz7DSQONZRGPgu2OCiwAwDQYJKoZIhvcNAQELBQAw
TzELMAkGA1UEBhMCVVMxKTAnBgNVBAoTIEludGVybmV0IFNlY3VyaXR5IFJlc2Vh
cmNoIEdyb3VwMRUwEwYDVQQDEwxJU1JHIFJvb3QgWDEwHhcNMTUwNjA0MTEwNDM4
WhcNMzUwNjA0MTEwNDM4WjBPMQswCQYDVQQGEwJVUzEpMCcGA1UEChMgSW50ZXJu
ZXQgU2VjdXJpdHkgUmVzZWFyY2ggR3JvdXAxFTATBgNVBAMTDElTUkcgUm9vdCBY
MTCCAiIwDQYJKoZIhvcNAQEBBQADggIPADCCAgoCggIBAK3oJHP0FDfzm54rVygc
h77ct984kIxuPOZXoHj3dcKi/vVqbvYATyjb3miGbESTtrFj/RQSa78f0uoxmyF+
0TM8ukj13Xnfs7j/EvEhmkvBioZxaUpmZmyPfjxwv60pIgbz5MDmgK7iS4+3mX6U
A5/TR5d8mUgjU+g4rk8Kb4Mu0UlXjIB0ttov0DiNewNwIRt18jA8+o+u3dpjq+sW
T8KOEUt+zwvo/7V3LvSye0rgTBIlDHCNAymg4VMk7BPZ7hm/ELNKjD+Jo2FR3qyH
B5T0Y3HsLuJvW5iB4YlcNHlsdu87kGJ55tukmi8mxdAQ4Q7e2RCOFvu396j3x+UC
B5iPNgiV5+I3lg02dZ77DnKxHZu8A/lJBdiB3QW0KtZB6awBdpUKD9jf1b0SHzUv
KBds0pjBqAlkd25HN7rOrFleaJ1/ctaJxQZBKT5ZPt0m9STJEadao0xAH0ahmbWn
OlFuhjuefXKnEgV4We0+UXgVCwOPjdAvBbI+e0ocS3MFEvzG6uBQE3xDk3SzynTn
jh8BCNAw1FtxNrQHusEwMFxIt4I7mKZ9YIqioymCzLq9gwQbooMDQaHWBfEbwrbw
qHyGO0aoSCqI3Haadr8faqU9GY/rOPNk3sgrDQoo//fb4hVC1CLQJ13hef4Y53CI
rU7m2Ys6xt0nUW7/vGT1M0NPAgMBAAGjQjBAMA4GA1UdDwEB/wQEAwIBBjAPBgNV
HRMBAf8EBTADAQH/MB0GA1UdDgQWBBR5tFnme7bl5AFzgAiIyBpY9umbbjANBgkq
hkiG9w0BAQsFAAOCAgEAVR9YqbyyqFDQDLHYGmkgJykIrGF1XIpu+ILlaS/V9lZL
ubhzEFnTIZd+50xx+7LSYK05qAvqFyFWhfFQDlnrzuBZ6brJFe+GnY+EgPbk6ZGQ
3BebYhtF8GaV0nxvwuo77x/Py9auJ/GpsMiu/X1+mvoiBOv/2X/qkSsisRcOj/KK
NFtY2PwByVS5uCbMiogziUwthDyC3+6WVwW6LLv3xLfHTjuCvjHIInNzktHCgKQ5
ORAzI4JMPJ+GslWYHb4phowim57iaztXOoJwTdwJx4nLCgdNbOhdjsnvzqvHu7Ur
TkXWStAmzOVyyghqpZXjFaH3pO3JLF+l+/+sKAIuvtd7u+Nxe5AW0wdeRlN8NwdC
jNPElpzVmbUq4JUagEiuTDkHzsxHpFKVK7q4+63SM1N95R1NbdWhscdCb+ZAJzVc
oyi3B43njTOQ5yOf+1CceWxG1bQVs5ZufpsMljq4Ui0/1lvh+wjChP4kqKOJ2qxq
4RgqsahDYVvTH9w7jXbyLeiNdd8XM2w9U/t7y0Ff/9yi0GE44Za4rF2LN9d11TPA
mRGunUHBcnWEvgJBQl9nJEiU0Zsnvgc/ubhPgXRR4Xq37Z0j4r7g1SgEEzwxA57d
emyPxgcYxn/eR44/KJ4EBs+lVDR3veyJm+kXQ99b21/+jh5Xos1AnX5iItreGCc=
-----END CERTIFICATE-----
";

    #[test]
    fn a_bundle_of_good_roots_is_counted() {
        assert_eq!(trust_anchors(ISRG_ROOT_X1.as_bytes()), Some(1));
        let two = format!("{ISRG_ROOT_X1}# a comment between entries\n{ISRG_ROOT_X1}");
        assert_eq!(trust_anchors(two.as_bytes()), Some(2));
    }

    #[test]
    fn a_bundle_with_a_bad_certificate_or_none_is_refused() {
        let broken = ISRG_ROOT_X1.replace("MIIFazCCA1Og", "MIIFazCCA1Xg");
        assert_eq!(trust_anchors(broken.as_bytes()), None);
        let mixed = format!("{ISRG_ROOT_X1}{broken}");
        assert_eq!(trust_anchors(mixed.as_bytes()), None);
        assert_eq!(trust_anchors(b""), None);
        assert_eq!(trust_anchors(b"not pem at all"), None);
    }

    #[test]
    fn the_system_bundle_is_used_when_there_is_one() {
        // Whether a client is built follows from the bundle alone.
        let usable = openssl_probe::probe()
            .cert_file
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|pem| trust_anchors(&pem))
            .is_some();
        assert_eq!(https_client().is_some(), usable);
    }

    /// `.cargo/config.toml` builds aws-lc without its CPU jitter entropy
    /// source, whose first use costs each new process tens of ms of CPU
    /// (most of a second at a 128 MB share). Without that setting this fails.
    #[test]
    fn aws_lc_is_built_without_cpu_jitter_entropy() {
        assert!(
            aws_lc_rs::try_fips_cpu_jitter_entropy().is_err(),
            "aws-lc uses CPU jitter entropy: set AWS_LC_SYS_NO_JITTER_ENTROPY=1 (.cargo/config.toml)"
        );
    }
}
